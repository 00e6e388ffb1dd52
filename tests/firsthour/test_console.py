"""`fsync-bot demo` as a new user meets it: in a terminal (a pty) and with piped input.

A form or a dialog has the keyboard until it is answered; nothing in brackets is taken for
markup; `sim` can make a run fail, a workspace stall and a storm happen; `wait` says what it
wants; the prompt comes after the start-up cards; a reused --db alerts nothing twice.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.simproc import SimProcess
from tests.support.terminal import Terminal
from tests.test_demo import demo

V1 = "/v1/terraform/sync"


def test_in_a_terminal_forms_and_dialogs_have_the_keyboard_until_answered() -> None:
    term = Terminal("--poll-interval", "1")
    try:
        start = term.expect("> ")
        # The prompt is drawn after the start-up cards, not above them.
        assert start.index("billing-api failed") < start.rindex("> ")
        term.type("/fsync sync production")
        term.expect("[8] Start sync")  # [7] is View log on the billing-api failure card
        term.type("click Start sync")
        dialog = term.expect("Confirm? [y/N] ")
        term.type("y")
        shown = term.expect("Sync of production requested by")
        assert dialog.count("Confirm?") == 1 and "Cancelled" not in shown
        term.type("/fsync status staging")
        term.expect("Edit config")
        term.type("click Edit config")
        term.expect("Sync enabled [on/off] (on): ")
        term.type("on")  # went to the prompt: "Not understood: 'on'"
        term.expect("Sync interval (1m to 7d) (5m): ")
        term.type("45s")
        term.expect("Auto-apply changes [on/off] (on): ")
        term.type("help")  # went into the interval field
        term.expect("Auto-apply changes [on/off] (on): ")
        term.type("")
        refused = term.expect("Sync interval (1m to 7d) (5m): ")
        assert "45s is shorter than the minimum of 1 minute" in refused
        assert "Sync enabled [on/off]" not in refused  # only the refused field is asked again
        term.type("2h")
        changed = term.expect("5m → 2h")
        term.type("wait abc")
        term.expect("wait takes a number of seconds")
    finally:
        screen = term.close()
    assert "Not understood" not in screen, screen[-3000:]
    assert "changed staging" in changed and "Traceback" not in screen


def test_help_and_prompts_keep_their_brackets() -> None:
    out = demo(
        "help\n/fsync sync production\nclick Start sync\nn\n/fsync status dev\nclick Edit config\n"
        "cancel\nquit\n"
    )
    assert "status [ws]" in out and "conflicts [ws]" in out and "press button [N]" in out
    assert "Confirm? [y/N] n" in out and out.count("Confirm?") == 1
    assert "Sync enabled [on/off] (on): cancel" in out
    assert "Form cancelled: nothing was sent." in out
    assert "sim failnext <ws>" in out and "sim stall <ws>" in out and "sim storm" in out


def test_a_form_asks_again_for_a_value_it_cannot_take() -> None:
    out = demo("/fsync status dev\nclick Edit config\nmaybe\nyes\noff\n\n\nquit\n")
    assert "Type one of on/off, or Enter to keep on (or cancel)." in out
    assert "Sync enabled [on/off] (on): off" in out
    assert "Not understood" not in out


def test_wait_without_a_number_says_what_to_type() -> None:
    out = demo("wait abc\nwait\nwait -3\nquit\n")
    assert out.count("wait takes a number of seconds, e.g. wait 5 (at most 120).") == 3


def test_sim_makes_the_next_run_fail_and_a_workspace_stall() -> None:
    # In a terminal, each step waits for what it should show, not for a fixed `wait N`.
    term = Terminal("--poll-interval", "1")
    try:
        term.expect("> ")
        term.type("sim failnext staging")
        term.expect("the next run of staging will fail")
        term.type("/fsync sync staging")
        term.expect("staging failed")
        run = term.expect("failed · finished")  # the run's own card in #demo
        assert "#fsync-alerts" in run
        term.type("sim stall dev")
        term.expect("dev has stalled: its scheduled sync is long overdue")
    finally:
        screen = term.close()
    assert "Traceback" not in screen and "Not understood" not in screen


def test_sim_storm_is_one_digest_not_eight_cards() -> None:
    term = Terminal("--poll-interval", "1")
    try:
        term.expect("> ")
        term.type("sim storm")
        term.expect("8 workspaces need attention")
        term.type("sim fail dev")  # a later poll: the storm's thread is out by its card
        term.expect("🔴 dev failed")
    finally:
        screen = term.close()
    storm = screen.split("sim storm", 1)[1]
    assert "8 workspaces failed at once" in storm
    assert storm.count("─ #fsync-alerts ─") == 2  # the digest, then dev's own card
    assert "storm-01 failed" not in storm


def test_a_reused_database_alerts_nothing_it_already_alerted(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = Terminal("--db", db, "--poll-interval", "1")
    try:
        first.expect("billing-api failed")
        first.expect("networking has a conflict")
    finally:
        first.close()
    second = Terminal("--db", db, "--poll-interval", "1")
    try:
        second.expect("is from an earlier session")
        second.expect("> ")
        second.type("sim fail dev")
        # Polls run in order: the one that saw dev fail would have re-alerted the others first.
        second.expect("🔴 dev failed")
        shown = second.text
    finally:
        second.close()
    after_start = shown.split("is from an earlier session", 1)[1]
    assert after_start.count("#fsync-alerts") == 1, after_start  # not "billing-api failed again"


def test_the_stall_control_stops_the_scheduler_for_one_workspace(sim: SimProcess) -> None:
    """`sim stall` is POST /_sim/workspaces/{name}/stall (docs/firestartr-sync-api.md)."""
    stalled = sim.control("POST", "/_sim/workspaces/dev/stall")
    assert stalled.status_code == 200
    overdue = datetime.now(UTC) - datetime.fromisoformat(stalled.json()["next_sync"])
    assert overdue >= timedelta(hours=1)  # past fsync's stall rule: 2 intervals, 10 minutes
    time.sleep(1.0)  # five scheduler ticks: a due workspace would have been started by now
    (dev,) = [w for w in sim.api.get(f"{V1}/workspaces").json()["workspaces"] if w["name"] == "dev"]
    assert dev["status"] == "success" and dev["next_sync"] == stalled.json()["next_sync"]
    assert sim.api.post(f"{V1}/workspaces/dev/sync").status_code == 202  # scheduled again
    (dev,) = [w for w in sim.api.get(f"{V1}/workspaces").json()["workspaces"] if w["name"] == "dev"]
    assert datetime.fromisoformat(dev["next_sync"]) > datetime.now(UTC)
    for name, body, status in [
        ("sandbox", None, 409),  # disabled: no schedule to stall
        ("networking", None, 409),  # a conflict waits: the schedule is paused already
        ("ghost", None, 404),
        ("staging", {"overdue": "soon"}, 422),
    ]:
        assert (
            sim.control("POST", f"/_sim/workspaces/{name}/stall", json=body).status_code == status
        )


def test_people_are_named_as_slack_sends_them_and_owners_are_called_on_the_card() -> None:
    # Slack's client turns @name into an id (should_escape); the demo does the same for its people.
    term = Terminal("--poll-interval", "1")
    try:
        term.expect("> ")
        term.type("/fsync owners dev @admin @platform")
        term.expect("Owners of dev: @admin, @platform")
        term.type("/fsync owners prod* @channel")
        term.expect("would notify everyone")
        term.type("/fsync mute staging 1h ask <b> & co")
        term.expect("Muted staging")
        term.type("sim fail dev")
        card = term.expect("🔴 dev failed")
        card = term.expect("View log")
    finally:
        screen = term.close()
    assert "Owners: @admin, @platform" in card
    assert "ask <b> & co" in screen and "&lt;" not in screen and "Traceback" not in screen


def test_digest_now_shows_the_digest_and_saves_its_chart() -> None:
    term = Terminal("--poll-interval", "1")
    try:
        term.expect("> ")
        term.type("sim fail dev")
        term.expect("🔴 dev failed")
        term.type("digest now")
        shown = term.expect(".png")
    finally:
        term.close()
    assert "Digest: the last 7 days" in shown and "failure episodes" in shown
    (path,) = re.findall(r"saved to\s+(\S+\.png)", shown)
    png = Path(path).read_bytes()
    Path(path).unlink()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")

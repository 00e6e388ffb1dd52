"""The demo's simulator: `fsync-bot simulator` on a free loopback port, steered by `sim` verbs."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx

STORM_SIZE = 8  # more than bot.alerts.model.STORM new cards in one poll: one digest
# Two causes, as in a real storm: most fail alike, some with an error that differs only in ids.
STORM_ERRORS = (
    "Error: configuring Terraform AWS Provider: no valid credential sources for "
    "Terraform AWS Provider found.",
    "Error acquiring the state lock: ConditionalCheckFailedException: The conditional request "
    "failed. Lock Info: ID: {id}, Path: firestartr-tfstate/{name}/terraform.tfstate",
)
FAIL_ERROR = (
    "Error: creating EC2 Instance: UnauthorizedOperation: "
    "You are not authorized to perform this operation."
)
PLAN_RATE = "0.3"
USAGE = """sim fail <ws> [<ws> ...]  make workspaces fail now (all in one poll)
sim failnext <ws>         the next run of <ws> fails (then: /fsync sync <ws>)
sim plan <ws> [+a ~c -d]  the next run of <ws> plans changes that wait for approval
sim stall <ws>            its scheduler stops: the next sync is long overdue, fsync says stalled
sim conflict <ws>         open a conflict               sim recover <ws>  back to success
sim storm                 8 new workspaces fail at once: one digest, not 8 cards
sim down | sim up         the whole Sync API fails (503) | answers again"""


class Simulator:
    """`fsync-bot simulator` on a free loopback port, for the demo's lifetime."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.proc = subprocess.Popen(
            # Some plans wait for approval on their own (auto_apply: false workspaces).
            [
                sys.executable,
                "-m",
                "bot",
                "simulator",
                "--port",
                "0",
                "--api-key",
                key,
                "--plan-rate",
                PLAN_RATE,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.stop()
            raise RuntimeError("the simulator did not start")
        self.url = line.rsplit(" ", 1)[1].strip()
        self.http = httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {key}"}
        )

    def control(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.http.request(method, path, json=body)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run_verb(
    sim: Simulator, words: list[str], one_poll: Callable[[], AbstractContextManager[Any]]
) -> tuple[bool, str]:
    """Do `sim <words>`: (done, what to say). `one_poll()` holds the alert poller, so that changes
    made together are seen together (a storm is many failures in one poll)."""
    verb, names = (words[0].lower(), words[1:]) if words else ("", [])
    one = len(names) == 1
    if verb == "fail" and names:
        body = {"status": "failed", "message": FAIL_ERROR}
        with one_poll():
            calls = [("POST", f"/_sim/workspaces/{name}/state", body) for name in names]
            return _calls(sim, calls, f"{', '.join(names)} failed")
    if verb == "failnext" and one:
        path = f"/_sim/workspaces/{names[0]}/next_outcome"
        said = f"the next run of {names[0]} will fail (try: /fsync sync {names[0]})"
        return _calls(sim, [("POST", path, {"outcome": "failed"})], said)
    if verb == "plan" and names:
        return _plan(sim, names[0], names[1:])
    if verb == "stall" and one:
        said = f"{names[0]}'s scheduler stopped: its next sync is long overdue"
        return _calls(sim, [("POST", f"/_sim/workspaces/{names[0]}/stall", None)], said)
    if verb == "conflict" and one:
        path = f"/_sim/workspaces/{names[0]}/state"
        return _calls(sim, [("POST", path, {"status": "conflict"})], f"{names[0]}: conflict")
    if verb == "recover" and one:
        path = f"/_sim/workspaces/{names[0]}/state"
        return _calls(sim, [("POST", path, {"status": "success"})], f"{names[0]}: success")
    if verb == "storm" and not names:
        return _storm(sim, one_poll)
    if verb == "down" and not names:
        faults = {"error_rate": 1.0, "error_status": 503}
        return _calls(sim, [("POST", "/_sim/faults", faults)], "the Sync API answers 503")
    if verb == "up" and not names:
        return _calls(sim, [("POST", "/_sim/faults", {})], "the Sync API answers again")
    return False, USAGE


def _storm(sim: Simulator, one_poll: Callable[[], AbstractContextManager[Any]]) -> tuple[bool, str]:
    names: list[str] = []
    with one_poll():
        for number in range(1, 1000):
            if len(names) == STORM_SIZE:
                break
            name = f"storm-{number:02d}"
            added = sim.control("POST", "/_sim/workspaces", {"name": name})
            if added.status_code == 409:  # there from an earlier storm
                continue
            if added.status_code >= 400:
                return False, _said(added)
            names.append(name)
        if not names:
            return False, "No room left for another storm in this session."
        calls = []
        for number, name in enumerate(names):
            error = STORM_ERRORS[0] if number < 5 else STORM_ERRORS[1]
            body = {"status": "failed", "message": error.format(id=uuid.uuid4(), name=name)}
            calls.append(("POST", f"/_sim/workspaces/{name}/state", body))
        return _calls(
            sim, calls, f"{len(names)} workspaces failed at once: {names[0]} to {names[-1]}"
        )


def _plan(sim: Simulator, name: str, counts: list[str]) -> tuple[bool, str]:
    """`sim plan <ws> [+2 ~1 -0]`: its next run plans these changes (default +2 ~1 -0)."""
    plan = {"add": 2, "change": 1, "destroy": 0}
    for word in counts:
        key = {"+": "add", "~": "change", "-": "destroy"}.get(word[:1])
        if key is None or not word[1:].isdigit():
            return False, USAGE
        plan[key] = int(word[1:])
    path = f"/_sim/workspaces/{name}/next_outcome"
    shown = f"+{plan['add']} ~{plan['change']} -{plan['destroy']}"
    said = f"the next run of {name} plans {shown}; with auto_apply off it waits for approval"
    return _calls(
        sim, [("POST", path, {"outcome": "changes", **plan})], f"{said} (then: /fsync sync {name})"
    )


def _said(answer: httpx.Response) -> str:
    try:
        message = str(answer.json().get("message") or answer.text)
    except ValueError:
        message = answer.text
    return f"The simulator said: {message[:200]}"


def _calls(sim: Simulator, calls: list[tuple[str, str, Any]], said: str) -> tuple[bool, str]:
    for method, path, body in calls:
        answer = sim.control(method, path, body)
        if answer.status_code >= 400:
            return False, _said(answer)
    return True, said

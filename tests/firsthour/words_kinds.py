"""Every kind of message fsync shows people, built with `n` of each counted thing.

KINDS maps a name to a function of a World (n, and a service over a scripted Sync API and a real
SQLite store) that returns what that kind of message shows: Block Kit payloads, views, modal
errors or plain error texts. tests/firsthour/test_words.py renders each with n = 1 and n = 2 and
reads the words. A new kind of message is one more function with `@kind("name")`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from string import ascii_lowercase
from typing import Any

import httpx

from bot.alerts.diff import reminders
from bot.alerts.model import SYNC_API_WORKSPACE, Decision, Episode, Event, Mute, Route
from bot.core import durations
from bot.core.authz import Policy, Role
from bot.core.changes import parse_changes
from bot.core.config_swap import ConfigChange
from bot.core.fleet import FleetView
from bot.core.parser import parse
from bot.core.service import FsyncService
from bot.core.throttle import SyncThrottle
from bot.errors import AlreadyResolved, Confirm, FsyncError, NotRecorded, PermissionDenied
from bot.firestartr import failures
from bot.firestartr.client import SyncClient
from bot.firestartr.failures import Context
from bot.firestartr.models import Config, Conflict, Run, Workspace, WorkspaceConfig
from bot.slack import alert_cards as cards
from bot.slack import alert_notices, config_views, modals, run_views, views
from bot.slack import alert_panels as panels
from bot.slack.blocks import message, section
from bot.slack.home import HomeData, home_view
from bot.store import Store
from bot.times import utcnow

NOW = datetime(2025, 10, 13, 14, 0, tzinfo=UTC)
ADMIN, OPERATOR, VIEWER = "UADMIN001", "UOPER0001", "UVIEW0001"
POLICY = Policy(frozenset({ADMIN}), frozenset({OPERATOR}), ("prod*",))
BOOM = "Error: creating EC2 Instance: InsufficientInstanceCapacity"
Shown = dict[str, Any] | str


@dataclass
class World:
    """`n` of each counted thing, a service over a scripted Sync API, a real store."""

    n: int
    service: FsyncService
    store: Store

    @property
    def policy(self) -> Policy:
        return POLICY


KINDS: dict[str, Callable[[World], list[Shown]]] = {}


def kind(name: str) -> Callable[[Callable[[World], list[Shown]]], Callable[[World], list[Shown]]]:
    def add(render: Callable[[World], list[Shown]]) -> Callable[[World], list[Shown]]:
        assert name not in KINDS, name
        KINDS[name] = render
        return render

    return add


# --- the things counted ---------------------------------------------------------------------
def ws(name: str, status: str = "success", **kw: Any) -> Workspace:
    fields: dict[str, Any] = {
        "name": name,
        "status": status,
        "sync_interval": "10m",
        "auto_apply": False,
        "last_sync": NOW - timedelta(minutes=1),
        "next_sync": NOW + timedelta(minutes=9),
    }
    if status == "failed":
        fields["message"] = BOOM
    if status == "stalled":  # stalled is seen, not sent: a sync long overdue
        fields.update(status="success", next_sync=NOW - timedelta(hours=2))
    if status == "conflict":
        fields["open_conflicts"] = 1
    fields.update(kw)
    return Workspace.model_validate(fields)


def mixed_fleet(n: int) -> list[Workspace]:
    """n workspaces in each state people see."""
    states = ("failed", "conflict", "stalled", "running", "queued", "success", "never_synced")
    fleet = [ws(f"{state.replace('_', '-')}-{i}", state) for state in states for i in range(n)]
    return [*fleet, *(ws(f"off-{i}", "disabled", sync_enabled=False) for i in range(n))]


def conflict(workspace: str, number: int = 0, resources: int = 1, **kw: Any) -> Conflict:
    return Conflict.model_validate(
        {
            "id": f"cfl_{workspace}_{number}",
            "workspace": workspace,
            "status": "open",
            "type": "drift",
            "summary": "resources changed outside Terraform",
            "resources": [
                {
                    "address": f"aws_security_group.web_{r}",
                    "action": "update",
                    "changed_attributes": [
                        {
                            "path": "ingress[0].cidr_blocks[0]",
                            "desired": "10.0.0.0/8",
                            "actual": "0",
                        }
                    ],
                }
                for r in range(resources)
            ],
            "allowed_resolutions": ["apply_desired", "accept_remote", "ignore_once", "abort"],
            **kw,
        }
    )


def episode(workspace: str, kind_: str = "failed", **kw: Any) -> Episode:
    fields: dict[str, Any] = {"status": kind_, "message": BOOM, "first_message": BOOM}
    fields.update(kw)
    return Episode(
        f"ep_{workspace}_{kind_}", workspace, kind_, NOW - timedelta(minutes=9), **fields
    )


def api_answer(status: int, body: Any = None, *, text: str = "", **headers: str) -> httpx.Response:
    request = httpx.Request("GET", "https://sync.example.test/v1/terraform/sync/workspaces")
    if body is not None:
        return httpx.Response(status, json=body, headers=headers, request=request)
    return httpx.Response(status, text=text, headers=headers, request=request)


# --- a scripted Sync API for the service ------------------------------------------------------
def fake_api(n: int) -> Callable[[httpx.Request], httpx.Response]:
    config = Config(
        workspaces={
            "dev": WorkspaceConfig(sync_interval="10m", auto_apply=False),
            "prod-db": WorkspaceConfig(sync_interval="10m", auto_apply=False),
        }
    )
    conflicts = [conflict("prod-db", i) for i in range(n)]
    stored = [config]  # what a PUT stored, read by the next GET

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/terraform/sync")
        if path == "/config" and request.method == "GET":
            return httpx.Response(
                200, json=stored[0].model_dump(mode="json"), headers={"ETag": "1"}
            )
        if path == "/config" and request.method == "PUT":
            stored[0] = Config.model_validate_json(request.content)
            return httpx.Response(200, content=request.content, headers={"ETag": "2"})
        if path == "/workspaces":
            return httpx.Response(200, json={"workspaces": [{"name": "dev"}, {"name": "prod-db"}]})
        if path.endswith("/sync"):
            return httpx.Response(202, json={"id": "run_1", "status": "queued"})
        if path.startswith("/conflicts/"):
            return httpx.Response(200, json=conflicts[0].model_dump(mode="json"))
        return httpx.Response(404, json={"error": "not_found", "message": "nothing here"})

    return handle


def world(n: int, store: Store) -> World:
    client = SyncClient(
        "https://sync.example.test", "key", transport=httpx.MockTransport(fake_api(n)), retries=0
    )
    return World(n, FsyncService(client, store, POLICY, clock=lambda: NOW), store)


def raised(call: Callable[[], object]) -> FsyncError:
    try:
        call()
    except FsyncError as exc:
        return exc
    raise AssertionError("expected an error")


def refusals() -> list[FsyncError]:
    """Every PermissionDenied the role table can give."""
    found = []
    for who in (VIEWER, OPERATOR):
        for action in ("sync", "resolve", "config", "auto_apply", "subscribe", "mute", "unmute"):
            for where in (None, "dev", "prod-db"):
                try:
                    POLICY.check(who, action, where)
                except PermissionDenied as exc:
                    found.append(exc)
    return found


# --- the Slack app's answers ------------------------------------------------------------------
@kind("help")
def _help(w: World) -> list[Shown]:
    return [views.help_message()]


@kind("status overview, n in each state")
def _status_mixed(w: World) -> list[Shown]:
    fleet = mixed_fleet(w.n)
    mutes = {f"failed-{i}": f"for 1h ({i} planned)" for i in range(w.n)}
    return [views.status_overview(FleetView(fleet, NOW, live=True), NOW, mutes=mutes)]


@kind("status overview, n workspaces all failing")
def _status_failing(w: World) -> list[Shown]:
    fleet = [ws(f"billing-{i}", "failed") for i in range(w.n)]
    return [views.status_overview(FleetView(fleet, NOW, live=True), NOW)]


@kind("status overview, paged")
def _status_paged(w: World) -> list[Shown]:
    fleet = [ws(f"ws-{i:03d}") for i in range(views.PAGE_SIZE + w.n)]
    return [views.status_overview(FleetView(fleet, NOW, live=True), NOW, page=p) for p in (1, 2)]


@kind("status overview, the API not answering")
def _status_stale(w: World) -> list[Shown]:
    fleet = [ws(f"dev-{i}") for i in range(w.n)]
    errors = [
        failures.from_response(api_answer(503), Context("/workspaces"), lambda: None),
        failures.from_response(api_answer(500), Context("/workspaces"), lambda: None),
        failures.unreachable("sync.example.test", httpx.ConnectError("connection refused")),
    ]
    stale = [e.user_message for e in errors] + ["it is slow to answer", None]
    then = NOW - timedelta(minutes=5)
    return [
        views.status_overview(FleetView(fleet, then, live=False, error=why), NOW) for why in stale
    ]


@kind("workspace detail")
def _detail(w: World) -> list[Shown]:
    shown: list[Shown] = []
    live = FleetView(mixed_fleet(w.n), NOW, live=True)
    for one in mixed_fleet(1):
        found = [conflict(one.name, i) for i in range(w.n)] if one.status == "conflict" else []
        shown.append(views.workspace_detail(one, live, found, NOW, POLICY))
        shown.append(views.workspace_detail(one, live, None, NOW, POLICY))
    protected = ws("prod-db", "failed", open_conflicts=w.n)
    shown.append(views.workspace_detail(protected, live, [], NOW, POLICY))
    stale = FleetView(live.workspaces, NOW, live=False, error="it is slow to answer")
    shown.append(views.workspace_detail(protected, stale, [], NOW, POLICY))
    return shown


@kind("sync card")
def _sync_card(w: World) -> list[Shown]:
    shown: list[Shown] = [run_views.sync_card("dev", OPERATOR, None, NOW)]
    for status in ("queued", "running", "succeeded", "failed", "canceled", "awaiting_resolution"):
        run = Run(
            id="run_1",
            status=status,
            message=BOOM if status == "failed" else None,
            started_at=NOW - timedelta(minutes=w.n),
            finished_at=NOW if status in ("succeeded", "failed") else None,
        )
        shown.append(run_views.sync_card("dev", OPERATOR, run, NOW))
    return shown


@kind("config overview")
def _config(w: World) -> list[Shown]:
    config = Config(workspaces={f"ws-{i}": WorkspaceConfig() for i in range(w.n)})
    more = Config(workspaces={f"ws-{i:02d}": WorkspaceConfig() for i in range(60 + w.n)})
    return [config_views.config_overview(config), config_views.config_overview(more)]


@kind("config changed")
def _config_changed(w: World) -> list[Shown]:
    keys = ["sync_interval", "auto_apply"][: w.n]
    before = {"sync_interval": "10m", "auto_apply": False}
    after = {"sync_interval": "15m", "auto_apply": True}
    config = Config()
    return [
        config_views.config_changed(
            ConfigChange("dev", {k: before[k] for k in keys}, {k: after[k] for k in keys}, config),
            ADMIN,
        ),
        config_views.config_changed(ConfigChange("dev", before, before, config), ADMIN),
        config_views.config_changed(
            ConfigChange(None, {"enabled": True}, {"enabled": False}, config), ADMIN
        ),
    ]


@kind("confirmations")
def _confirms(w: World) -> list[Shown]:
    prompts = [
        raised(lambda: w.service.sync(ADMIN, "prod-db")),
        raised(lambda: w.service.resolve(ADMIN, "cfl_prod-db_0", "apply_desired")),
        raised(lambda: w.service.change_config(ADMIN, "dev", {"auto_apply": True})),
    ]
    assert all(isinstance(p, Confirm) for p in prompts)
    return [views.confirm_prompt(p) for p in prompts if isinstance(p, Confirm)]


@kind("conflicts")
def _conflicts(w: World) -> list[Shown]:
    found = [conflict("networking", i) for i in range(w.n)]
    many = [conflict("networking", i) for i in range(8 + w.n)]
    big = conflict("networking", resources=8 + w.n)
    return [
        views.conflicts_message(found, POLICY, None),
        views.conflicts_message(found, POLICY, "networking"),
        views.conflicts_message(many, POLICY, None),
        views.conflicts_message([big], POLICY, "networking"),
        views.conflicts_message([], POLICY, "networking"),
        message("resolved", [section(views.resolved_text(OPERATOR, "accept_remote"))]),
        message("run", [section(views.resolved_text(OPERATOR, "abort", Run(id="r", status="x")))]),
    ]


@kind("audit log")
def _audit(w: World) -> list[Shown]:
    service = w.service
    service.change_config(
        ADMIN, "dev", {"sync_interval": "15m", "auto_apply": True}, confirmed=True
    )
    service.change_config(ADMIN, "dev", {"sync_interval": "15m"})  # no change
    service.sync(OPERATOR, "dev")
    service.sync(ADMIN, "prod-db", confirmed=True)
    raised(lambda: service.change_config(VIEWER, "dev", {"auto_apply": True}))
    raised(lambda: service.sync(VIEWER, "dev"))
    raised(lambda: service.require(VIEWER, "mute", args={"glob": "prod*", "seconds": 7200}))
    raised(lambda: service.sync(OPERATOR, "prod-db", confirmed=True))
    service.resolve(ADMIN, "cfl_prod-db_0", "apply_desired", confirmed=True)
    store = w.store
    for action, args in (
        ("subscribe", {"channel": "CCHAN0001", "glob": "dev*", "events": ["failed", "conflict"]}),
        ("unsubscribe", {"channel": "CCHAN0001", "glob": "dev*"}),
        ("mute", {"glob": "prod*", "seconds": 7200, "reason": "planned maintenance"}),
        ("unmute", {"glob": "prod*"}),
    ):
        store.audit(user_id=OPERATOR, action=action, workspace=None, args=args, outcome="ok")
    store.audit(user_id=ADMIN, action="sync", workspace="dev", args={}, outcome="pending")
    store.audit(
        user_id=ADMIN,
        action="sync",
        workspace="dev",
        args={},
        outcome="error",
        detail=failures.from_response(api_answer(503), Context("/x"), lambda: None).user_message,
    )
    entries = service.audit()
    assert len(entries) >= 15
    return [
        views.audit_message(entries[: w.n], None, utcnow()),  # rows carry the real time
        views.audit_message(entries, None, utcnow()),
        views.audit_message([], "dev", utcnow()),
    ]


@kind("errors from the parser")
def _parser_errors(w: World) -> list[Shown]:
    typed = [
        "stauts",
        "sync",
        "sync a b",
        "status a b",
        "config staging interval=30s",
        "config staging interval=8d",
        "config staging interval=abc",
        "config staging auto_apply=maybe",
        "config staging bogus=1",
        "config interval=5m",
        "config staging conflict_resolution=manual",
        "config conflict_resolution=never",
        "config staging =",
        "subscribe",
        "subscribe dev* nonsense",
        "subscribe dev/*",
        "unsubscribe a b",
        "mute dev",
        "mute dev 10s",
        "mute dev 31d",
        "mute dev soon",
        "mute dev 5",
        "x" * 3000,
    ]
    return [views.error_message(raised(lambda t=t: parse(t))) for t in typed]


@kind("errors from the Sync API")
def _api_errors(w: World) -> list[Shown]:
    known = [f"billing-{i}" for i in range(w.n)]
    problems = [{"field": f"workspaces.dev.f{i}", "message": "bad"} for i in range(w.n)]
    answers = [
        (api_answer(401), Context("/x", has_key=False)),
        (api_answer(401), Context("/x")),
        (api_answer(403), Context("/x")),
        (api_answer(404, {"error": "workspace_not_found"}), Context("/x", workspace="billing")),
        (api_answer(404, {"error": "run_not_found"}), Context("/x", run_id="run_1")),
        (api_answer(404, {"error": "conflict_not_found"}), Context("/x", conflict_id="c1")),
        (
            api_answer(409, {"error": "sync_in_progress", "run_id": "r1"}),
            Context("/x", workspace="dev"),
        ),
        (api_answer(409, {"error": "sync_disabled"}), Context("/x", workspace="dev")),
        (
            api_answer(
                409,
                {
                    "error": "conflict_already_resolved",
                    "conflict": {"status": "resolved", "resolution": "abort", "resolved_by": "U1"},
                },
            ),
            Context("/x", conflict_id="c1"),
        ),
        (api_answer(409, {"error": "conflict_already_resolved"}), Context("/x", conflict_id="c1")),
        (api_answer(412, {"error": "config_version_mismatch"}), Context("/config")),
        (api_answer(422, {"error": "validation_error", "details": problems}), Context("/config")),
        (
            api_answer(
                422,
                {"error": "resolution_not_allowed", "details": {"allowed_resolutions": ["abort"]}},
            ),
            Context("/x", conflict_id="c1", resolution="apply_desired"),
        ),
        (api_answer(429, {"error": "rate_limited"}, **{"Retry-After": str(w.n)}), Context("/x")),
        (api_answer(500, {"error": "internal", "request_id": "req_1"}), Context("/x")),
        (api_answer(503), Context("/x")),
        (api_answer(502, text="<html>bad gateway</html>"), Context("/x")),
        (api_answer(400, text="nope"), Context("/x")),
        (api_answer(404, text="nope"), Context("/v1/terraform/sync/nothing")),
        (
            api_answer(418, {"error": "teapot", "message": "I am a teapot.", "request_id": "r"}),
            Context("/x"),
        ),
    ]
    errors: list[FsyncError] = [
        failures.from_response(answer, ctx, lambda: known) for answer, ctx in answers
    ]
    errors += [
        failures.unexpected(api_answer(200, text="<html>")),
        failures.rate_limited(float(w.n), workspace="dev"),
        failures.feature_unavailable("runs", 404),
        failures.workspace_not_found("billing", []),
        failures.workspace_not_found("billing", [f"billing-{i}" for i in range(5 + w.n)]),
        failures.unreachable("sync.example.test", httpx.ConnectTimeout("timed out")),
        NotRecorded("the database is busy"),
        NotRecorded("the disk is full"),
        AlreadyResolved("done", conflict_id="c1", by=OPERATOR, resolution="ignore_once"),
        w.service.not_found("billing", [f"billing-{i}" for i in range(w.n)]),
    ]
    return [views.error_message(e) for e in errors] + [views.unknown_error("abc123")]


@kind("errors from the service")
def _service_errors(w: World) -> list[Shown]:
    limit = SyncThrottle(w.n)
    for _ in range(w.n):
        limit.take(OPERATOR)
    throttled = raised(lambda: limit.take(OPERATOR))
    changes = [
        raised(lambda: parse_changes({"sync_interval": "30s"}, workspace="dev")),
        raised(lambda: parse_changes({"bogus": 1, "auto_apply": "maybe"}, workspace="dev")),
        raised(lambda: parse_changes({"sync_interval": "1m"}, workspace=None)),
        raised(lambda: parse_changes({}, workspace="dev")),
        raised(lambda: parse_changes([1], workspace="dev")),
    ]
    bounds = [raised(lambda t=t: durations.normalise_interval(t)) for t in ("30s", "8d", "")]
    return [views.error_message(e) for e in [throttled, *changes, *bounds]]


@kind("authz refusals")
def _refusals(w: World) -> list[Shown]:
    found = refusals()
    assert len(found) >= 10
    return [views.error_message(e) for e in found]


@kind("edit config modal")
def _modal(w: World) -> list[Shown]:
    shown: list[Shown] = [
        modals.config_view("dev", enabled=True, interval="10m", auto_apply=False, channel=None),
        modals.config_view("dev", enabled=None, interval=None, auto_apply=None, channel=None),
        modals.confirm_view(modals.Meta(workspace="prod-db")),
    ]
    for typed in ("30s", "8d", "abc", "", "5"):
        values = {
            "fsync_interval": {"fsync_interval": {"value": typed}},
            "fsync_enabled": {"fsync_enabled": {"selected_option": {"value": "maybe"}}},
        }
        shown.append({"errors": modals._changes(values)[1]})
    return shown


@kind("app home")
def _home(w: World) -> list[Shown]:
    routes = [Route(f"C{i:08d}", f"team-{i}-*", frozenset({"failed"})) for i in range(w.n)]
    mutes = [Mute(f"dev-{i}", NOW + timedelta(hours=1), "planned") for i in range(w.n)]
    extras = panels.home_blocks(routes, {}, mutes, NOW)
    fleet = mixed_fleet(w.n)
    found = [conflict(f"conflict-{i}") for i in range(w.n)]
    many = [ws(f"broken-{i:02d}", "failed") for i in range(20 + w.n)] + [ws("ok")] * w.n
    stale = FleetView(fleet, NOW, live=False, error="it is slow to answer")
    shown: list[Shown] = [
        home_view(HomeData(FleetView(fleet, NOW, live=True), NOW, role, POLICY, found, extras))
        for role in Role
    ]
    for view in (FleetView(many, NOW, live=True), stale, None):
        shown.append(home_view(HomeData(view, NOW, Role.ADMIN, POLICY, [], extras)))
    return shown


@kind("message with too many blocks")
def _too_many(w: World) -> list[Shown]:
    return [message("many", [section(f"line {i}") for i in range(50 + w.n)])]


# --- alerts -----------------------------------------------------------------------------------
@kind("alert cards")
def _cards(w: World) -> list[Shown]:
    n = w.n
    later = NOW + timedelta(minutes=3)
    raw = conflict("networking").model_dump(mode="json")
    found = [
        episode("billing-api", failures=n),
        episode("networking", "conflict", conflicts=(raw,)),
        episode("networking", "conflict"),
        episode("data-platform", "stalled", status="success"),
        episode(SYNC_API_WORKSPACE, "api", status="down", failures=n),
    ]
    closed = [replace(e, closed_at=later, closed_how="recovered", status="success") for e in found]
    gone = [
        replace(found[0], closed_at=later, closed_how="gone", status="disabled"),
        replace(found[0], closed_at=later, closed_how="gone", status="failed"),
    ]
    resolved = {"cfl_networking_0": Decision(OPERATOR, "apply_desired", later)}
    shown: list[Shown] = []
    for e in [*found, *closed, *gone]:
        shown.append(cards.episode_card(e, POLICY))
        shown.append(cards.episode_card(e, POLICY, note="Reminder", resolutions=resolved))
    return shown


@kind("alert thread replies")
def _replies(w: World) -> list[Shown]:
    n = w.n
    failing = episode("billing-api", failures=n + 1, message="Error: a new one")
    conflicted = episode("networking", "conflict")
    stalled = episode("data-platform", "stalled", status="success")
    back = replace(failing, closed_at=NOW, closed_how="recovered", status="success")
    api_back = replace(episode(SYNC_API_WORKSPACE, "api", status="down", failures=n), closed_at=NOW)
    ended = [Mute("billing*", NOW - timedelta(seconds=1)), Mute("*", NOW - timedelta(seconds=1))]
    reminded = reminders(ended, [], [failing, conflicted, stalled], NOW)
    assert len(reminded) == 3
    events = [
        Event("failed", failing),
        Event("repeat", failing),
        Event("conflict", conflicted),
        Event("resolved", conflicted),
        Event("stalled", stalled),
        Event("recovered", back),
        Event("recovered", api_back),
        *reminded,
    ]
    return [cards.reply(e) for e in events] + cards.news(events, "News")


@kind("digest")
def _digest(w: World) -> list[Shown]:
    n = w.n
    members = [episode(f"ws-{i}") for i in range(n)]
    members += [episode(f"net-{i}", "conflict", first_message=None) for i in range(n)]
    members += [
        episode(f"dp-{i}", "stalled", status="success", first_message=None) for i in range(n)
    ]
    back = [replace(members[0], closed_at=NOW)]
    groups = [
        episode(f"g-{g}", first_message=f"Error: quota exceeded for team {ascii_lowercase[g]}")
        for g in range(12 + n)
    ]
    return [
        cards.digest(members),
        cards.digest([*back, *members[1:]]),
        cards.digest(groups),
        *cards.digest_details(members),
    ]


@kind("alert notices")
def _notices(w: World) -> list[Shown]:
    admins = [f"UADMIN{i:03d}" for i in range(w.n)]
    return [
        alert_notices.channel_disabled("CALERT001", "not_in_channel", admins),
        alert_notices.channel_disabled("CALERT001", "not_in_channel", []),
        alert_notices.default_channel_held("CALERT001", "is_archived", admins, 60.0 * w.n),
        alert_notices.test_line("dev*", ["failed", "conflict"][: w.n], OPERATOR),
        alert_notices.test_line("dev*", [], OPERATOR),
    ]


@kind("mute and subscribe answers")
def _panels(w: World) -> list[Shown]:
    n = w.n
    names = [f"prod-{i}" for i in range(n)]
    mute = Mute("prod*", NOW + timedelta(hours=n), "planned maintenance", OPERATOR)
    routes = [
        Route(f"C{i:08d}", f"team-{i}-*", frozenset({"failed", "conflict"})) for i in range(n)
    ]
    routes.append(Route("CALERT001", "*", default=True))
    disabled = {"C00000000": "not_in_channel", "CALERT001": "is_archived"}
    mutes = [replace(mute, glob=f"dev-{i}") for i in range(n)]
    return [
        panels.muted(mute, names, NOW),
        panels.muted(mute, [f"prod-{i}" for i in range(15 + n)], NOW),
        panels.muted(replace(mute, reason=""), [], NOW),
        panels.unmuted("prod*"),
        panels.subscribed("dev*", ["failed", "conflict"][:n], False, ["dev", "dev-eu"][:n]),
        panels.subscribed("dev*", [], True, ["dev"]),
        panels.subscribed("stagng", ["failed"], False, [], "Did you mean `staging`?"),
        panels.unsubscribed("dev*"),
        panels.unsubscribed("dev*", ["failed", "recovered"][:n]),
        panels.routes_message(routes, disabled, mutes, NOW, everywhere=True),
        panels.routes_message([], {}, [], NOW, everywhere=False),
        message("home", panels.home_blocks(routes * 11, disabled, mutes, NOW)),
        panels.mute_label(mute, NOW),
    ]


def texts(shown: Shown) -> list[str]:
    """Every text a person sees in a payload: each `text` of a message or view, labels, button
    texts, dialogs, modal errors, and plain strings."""
    if isinstance(shown, str):
        return [shown]
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("action_id", "block_id", "callback_id", "value", "private_metadata"):
                    continue
                if key == "errors" and isinstance(value, dict):
                    found.extend(str(v) for v in value.values())
                elif key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(shown)
    return found


def dump(shown: Shown) -> str:
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)

"""PUT /v1/terraform/sync/config: validation, optimistic concurrency and applying the change."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.simulator.errors import ApiError, validation_error
from bot.simulator.model import POLICIES, WorkspaceState
from bot.simulator.wire import MAX_CONFIG_INTERVAL, MIN_CONFIG_INTERVAL, interval_seconds

if TYPE_CHECKING:
    from bot.simulator.engine import Engine

TOP_FIELDS = ("enabled", "workspaces", "conflict_resolution")
WORKSPACE_FIELDS = ("enabled", "sync_interval", "auto_apply")


def etag_matches(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: `*` or a list of entity tags; weak tags compare by their opaque part."""
    if if_match.strip() == "*":
        return True
    bare = etag.strip('"')
    for candidate in if_match.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        if tag == bare:
            return True
    return False


def _check_workspace(
    name: str, entry: Any, known: dict[str, WorkspaceState], problems: list[tuple[str, str]]
) -> None:
    where = f"workspaces.{name}"
    if name not in known:
        problems.append((where, "workspace does not exist"))
        return
    if not isinstance(entry, dict):
        problems.append((where, "must be an object"))
        return
    unknown = [key for key in entry if key not in WORKSPACE_FIELDS]
    problems.extend((f"{where}.{key}", "unknown field") for key in unknown)
    for key in ("enabled", "auto_apply"):
        if key in entry and not isinstance(entry[key], bool):
            problems.append((f"{where}.{key}", "must be a boolean"))
    if "sync_interval" in entry:
        seconds = interval_seconds(entry["sync_interval"])
        if seconds is None:
            problems.append(
                (
                    f"{where}.sync_interval",
                    "must be a whole number and one unit of s, m, h or d (e.g. 10m)",
                )
            )
        elif not MIN_CONFIG_INTERVAL <= seconds <= MAX_CONFIG_INTERVAL:
            problems.append((f"{where}.sync_interval", "must be between 1m and 7d"))


def validate(body: Any, known: dict[str, WorkspaceState]) -> dict[str, Any]:
    """The body if it is a whole, valid config; else a 422 listing every problem at once."""
    if not isinstance(body, dict):
        raise validation_error([("body", "must be a JSON object")])
    problems = [(key, "unknown field") for key in body if key not in TOP_FIELDS]
    problems.extend((key, "is required") for key in TOP_FIELDS if key not in body)
    if "enabled" in body and not isinstance(body["enabled"], bool):
        problems.append(("enabled", "must be a boolean"))
    if "conflict_resolution" in body and body["conflict_resolution"] not in POLICIES:
        problems.append(("conflict_resolution", f"must be one of {', '.join(POLICIES)}"))
    workspaces = body.get("workspaces", {})
    if not isinstance(workspaces, dict):
        problems.append(("workspaces", "must be an object keyed by workspace name"))
    else:
        for name, entry in workspaces.items():
            _check_workspace(name, entry, known, problems)
    if problems:
        raise validation_error(problems, "The config is not valid")
    return body


def put_config(engine: Engine, body: Any, if_match: str | None) -> tuple[bytes, str]:
    store = engine.store
    with store.lock:
        if if_match is not None and not etag_matches(if_match, store.etag):
            raise ApiError(
                412,
                "config_version_mismatch",
                "The config changed since it was read; read it again and retry",
                current_etag=store.etag,
            )
        valid = validate(body, store.workspaces)
        now = time.time()
        was_enabled = store.enabled
        store.enabled = valid["enabled"]
        store.policy = valid["conflict_resolution"]
        # Workspaces left out keep their settings: workspaces exist independently of the config.
        for name, entry in valid["workspaces"].items():
            _apply_workspace(engine, store.workspaces[name], entry, now)
        if store.enabled != was_enabled:
            store.touch_all()
            if store.enabled:
                for ws in store.workspaces.values():
                    if ws.enabled and ws.current_run_id is None and ws.open_conflicts == 0:
                        store.schedule(ws, now + ws.interval_s)
        store.config_changed()
        return store.config_bytes(), store.etag


def config_now(engine: Engine) -> tuple[bytes, str]:
    with engine.store.lock:
        return engine.store.config_bytes(), engine.store.etag


def _apply_workspace(engine: Engine, ws: WorkspaceState, entry: dict[str, Any], now: float) -> None:
    ws.auto_apply = entry.get("auto_apply", ws.auto_apply)
    interval = entry.get("sync_interval", ws.sync_interval)
    interval_changed = interval != ws.sync_interval
    ws.sync_interval = interval
    enabled = entry.get("enabled", ws.enabled)
    if enabled != ws.enabled:
        ws.enabled = enabled
        if enabled and ws.status == "disabled":
            ws.status = ws.resume_status
        engine.settle(ws, now)
    elif interval_changed and ws.enabled and ws.current_run_id is None and not ws.open_conflicts:
        engine.store.schedule(ws, now + ws.interval_s)
    engine.store.touch(ws)

"""Tolerant reading of the Sync API's successful answers into the models.

A 2xx whose body is not the JSON the contract describes becomes UnexpectedResponse; within a
list, one unreadable entry is skipped (and logged) so that it cannot hide the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote

import httpx
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from bot.firestartr import chunked, failures
from bot.firestartr.models import ResolveResult, Run

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class Readable(Protocol):
    """What a list of items is read into: a BaseModel, or a model with its `model_validate`
    (firestartr.models.Workspace, a slotted dataclass for its size)."""

    @classmethod
    def model_validate(cls, obj: Any) -> Any: ...


R = TypeVar("R", bound=Readable)


def read_json(response: httpx.Response) -> Any:
    """The body as JSON. pydantic-core's parser: ~35% less CPU than `json.loads` on a fleet
    listing, and a body nested too deep is a ValueError here, not a RecursionError."""
    content = response.content
    if content.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark, which json.loads took
        content = content[3:]
    try:
        return from_json(content, cache_strings="keys")
    except ValueError:
        raise failures.unexpected(response) from None


def validate(response: httpx.Response, data: Any, model: type[M]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise failures.unexpected(response) from exc


def read_model(response: httpx.Response, model: type[M]) -> M:
    return validate(response, read_json(response), model)


@dataclass(slots=True)
class Held:
    """A listing as the server last gave it, and what to ask it with next time."""

    listing: list[Any]
    etag: str | None
    cursor: str | None  # X-Sync-Cursor, for changed_since (bot/firestartr/cursor.py)
    index: dict[str, int] | None = None  # name -> position in `listing`, built when first needed


class ListingCache:
    """The models of the last listing by name: an item unchanged since then is not read again.

    The fleet is listed on every poll and ~99% of its items are the same as last time, while
    reading an item into a model costs about four times its share of `json.loads` (benchmark 2).
    An item is unchanged when the hash of its keys and values is the same. Only that hash is
    kept, not the item: at 50,000 workspaces that is ~20 MB less to hold and no new objects for
    the garbage collector to walk on every poll. Strings, which carry what changes (status,
    timestamps, messages), hash with a per-process key, so no answer can be shaped to collide
    and an accidental collision is one in 2**64 per changed item. Numbers hash without a key:
    values Python holds equal (1, 1.0 and true) and a few that merely hash alike (-1 and -2;
    n and n + 2**61 - 1) count as unchanged. The contract's only number, `open_conflicts`,
    reads 1, 1.0 and true alike and any negative as 0 (counts 2**61 apart are not a real case);
    hashing the values' types as well cost 40% more. Models are never changed after reading,
    so one object may appear in consecutive listings.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, Any]] = {}  # name -> (digest, model)
        self._lock = threading.Lock()
        # The poller's last whole listing with its ETag and cursor ([ASSUMED], API doc endpoint 1).
        self._held: Held | None = None

    def held(self) -> Held | None:
        with self._lock:
            return self._held

    def hold(self, held: Held) -> None:
        """Remember a listing under its ETag and cursor; a server that sends neither is never
        asked with one."""
        with self._lock:
            self._held = held if held.etag or held.cursor else None

    def last(self) -> dict[str, tuple[int, Any]]:
        with self._lock:
            return self._last

    def keep(self, kept: dict[str, tuple[int, Any]]) -> None:
        with self._lock:
            self._last = kept


def read_items(
    response: httpx.Response, key: str, model: type[R], cache: ListingCache | None = None
) -> list[R]:
    """`{key: [item, ...]}` (or a bare list) as models. The body is read a slice at a time
    (bot/firestartr/chunked.py) when its shape allows, so that a 50,000-item listing's dicts
    never all exist at once; else whole."""
    try:
        return _read(chunked.chunks(response.content, key), key, model, cache)
    except chunked.NotChunked:
        pass  # nothing was kept or logged: `_read` does both only once every slice is read
    data = read_json(response)
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise failures.unexpected(response)
    return _read([items], key, model, cache)


def _read(
    slices: Iterable[list[Any]], key: str, model: type[R], cache: ListingCache | None
) -> list[R]:
    last = cache.last() if cache is not None else {}
    kept: dict[str, tuple[int, Any]] = {}
    out: list[R] = []
    skipped = 0
    for items in slices:
        # The loop runs for every workspace on every poll: one hash and one lookup when unchanged.
        for item in items:
            raw = item.get("name") if cache is not None and type(item) is dict else None
            name = raw if type(raw) is str else None
            digest: int | None = None
            if name is not None:
                try:
                    digest = hash((tuple(item), tuple(item.values())))
                except TypeError:  # a nested list or object: read it every time
                    pass
                else:
                    before = last.get(name)
                    if before is not None and before[0] == digest:
                        # Keyed by the model's own name: this body's copy goes with the body,
                        # and the model's is shared with the alert snapshot (models.py, `Shared`).
                        kept[before[1].name] = before
                        out.append(before[1])
                        continue
            try:
                found = model.model_validate(item)
            except ValidationError:
                skipped += 1
                continue
            if name is not None and digest is not None:
                kept[getattr(found, "name", name)] = (digest, found)
            out.append(found)
    if skipped:
        log.warning("Skipped %d unreadable %s entries from the Sync API", skipped, key)
    if cache is not None:
        cache.keep(kept)
    return out


def read_resolve_result(response: httpx.Response) -> ResolveResult:
    data = read_json(response)
    if isinstance(data, dict) and "conflict" not in data and "id" in data:
        data = {"conflict": data}  # a server that answers with the bare conflict
    return validate(response, data, ResolveResult)


def read_triggered_run(response: httpx.Response, name: str) -> Run | None:
    """The run a sync trigger started, when the answer says which; None for a bare 2xx."""
    if response.content.strip():
        data = read_json(response)
        try:
            return Run.model_validate(data)
        except ValidationError:
            log.info("Sync of %s accepted with a body that is not a run", name)
    # Endpoint 2 may answer 202 with only `Location: /v1/terraform/sync/runs/{id}`.
    location = response.headers.get("location", "")
    run_id = unquote(location.rstrip("/").rsplit("/", 1)[-1]) if "/runs/" in location else ""
    return Run(id=run_id, workspace=name) if run_id else None

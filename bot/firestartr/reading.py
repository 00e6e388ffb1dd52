"""Tolerant reading of the Sync API's successful answers into the models.

A 2xx whose body is not the JSON the contract describes becomes UnexpectedResponse; within a
list, one unreadable entry is skipped (and logged) so that it cannot hide the others.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx
from pydantic import BaseModel, ValidationError

from bot.firestartr import failures
from bot.firestartr.models import ResolveResult, Run

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def read_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise failures.unexpected(response) from None


def validate(response: httpx.Response, data: Any, model: type[M]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise failures.unexpected(response) from exc


def read_model(response: httpx.Response, model: type[M]) -> M:
    return validate(response, read_json(response), model)


def read_items(response: httpx.Response, key: str, model: type[M]) -> list[M]:
    """`{key: [item, ...]}` (or a bare list) as models."""
    data = read_json(response)
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise failures.unexpected(response)
    out: list[M] = []
    for item in items:
        try:
            out.append(model.model_validate(item))
        except ValidationError:
            log.warning("Skipped an unreadable %s entry from the Sync API", key)
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

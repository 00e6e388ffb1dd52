"""One HTTP request to an ASGI app, in this process, with the body fed chunk by chunk.

Starlette's TestClient hands the app the whole body at once; the edge must be seen refusing a body
before it has all arrived, so here the test decides the chunks and counts how many were read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks_read: int = 0


def call(
    app: Any,
    body: bytes | Iterable[bytes] = b"",
    *,
    headers: dict[str, str] | None = None,
    path: str = "/slack/events",
    timeout: float = 10.0,
) -> Answer:
    """POST `body` (bytes: one chunk with its Content-Length; an iterable: chunked, no length)."""
    sized = isinstance(body, bytes)
    chunks: Iterator[bytes] = iter([body] if sized else body)  # type: ignore[list-item]
    raw_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if sized:
        raw_headers.setdefault("content-length", str(len(body)))  # type: ignore[arg-type]
    else:
        raw_headers["transfer-encoding"] = "chunked"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in raw_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    answer = Answer()
    state = {"next": next(chunks, None)}

    async def receive() -> dict[str, Any]:
        chunk = state["next"]
        if chunk is None:
            await asyncio.sleep(3600)  # the client has nothing more: a real one would wait too
        answer.chunks_read += 1
        state["next"] = next(chunks, None)
        return {"type": "http.request", "body": chunk, "more_body": state["next"] is not None}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout))
    return answer

"""A scripted Sync API on loopback for what the simulator cannot do: a conflict detected ten
minutes before fsync first looks, a failure whose sync ran minutes ago. Tests change `workspaces`
and `conflicts` while `fsync-bot run` polls it."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API = "/v1/terraform/sync"


def rfc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**delta: float) -> datetime:
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0)


class DriftApi:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.workspaces: dict[str, dict[str, Any]] = {}
        self.conflicts: dict[str, dict[str, Any]] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, body = api.answer(self.path)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, Any]:
        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            if url.path == f"{API}/workspaces":
                return 200, {"workspaces": list(self.workspaces.values())}
            if url.path == f"{API}/conflicts":
                found = [
                    c
                    for c in self.conflicts.values()
                    if query.get("workspace") in (None, c["workspace"])
                    and query.get("status") in (None, c["status"])
                ]
                return 200, {"conflicts": found}
            if url.path.startswith(f"{API}/conflicts/"):
                found = self.conflicts.get(url.path.rsplit("/", 1)[1])
                if found is not None:
                    return 200, found
        return 404, {"error": "not_found", "message": "Not here", "code": 404}

    def set(self, name: str, **fields: Any) -> None:
        with self.lock:
            self.workspaces[name] = {
                "name": name,
                "sync_enabled": True,
                **self.workspaces.get(name, {}),
                **fields,
            }

    def conflict(self, conflict_id: str, **fields: Any) -> None:
        with self.lock:
            self.conflicts[conflict_id] = {**self.conflicts.get(conflict_id, {}), **fields}

    def __enter__(self) -> DriftApi:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

"""The one error the simulator raises, and its wire form `{"error", "message", "code", ...}`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from bot.simulator.wire import dumps


class ApiError(Exception):
    """An answer that is not a success; raised anywhere, rendered once at the edge."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, "code": self.status, **self.extra}

    def response(self) -> Response:
        return json_response(self.status, self.body(), self.headers)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    content = payload if isinstance(payload, bytes) else dumps(payload)
    return Response(content, status_code=status, headers=headers, media_type="application/json")


def not_found_workspace(name: str) -> ApiError:
    return ApiError(404, "workspace_not_found", f"Workspace '{name}' does not exist")


def validation_error(problems: list[tuple[str, str]], message: str | None = None) -> ApiError:
    details = [{"field": path, "problem": problem} for path, problem in problems]
    text = message or "; ".join(f"{path}: {problem}" for path, problem in problems)
    return ApiError(422, "validation_error", text, details=details)

"""OpenAI-shaped error bodies: ``{"error": {"message", "type", "code"}}``."""

from __future__ import annotations

from typing import Any

import orjson

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "api_error",
    504: "api_error",
}


def error_body(status: int, message: str, code: str | None = None, **extra: Any) -> bytes:
    err: dict[str, Any] = {"message": message, "type": _TYPES.get(status, "api_error"), "param": None,
                           "code": code}
    err.update(extra)
    return orjson.dumps({"error": err})


class GatewayError(Exception):
    """A request that ends with an error response before (or instead of) the pipeline."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code

"""Request-body checks for the proxied routes: enough schema to route, count and guard safely.

Anything Bastion reads must have the type it expects; everything else is passed to the upstream
untouched, so new OpenAI parameters keep working without a Bastion release.
"""

from __future__ import annotations

from typing import Any

from bastion.gateway.errors import GatewayError


def _bad(message: str, code: str = "invalid_request") -> GatewayError:
    return GatewayError(400, message, code)


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise _bad("'messages' must be a non-empty array.")
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise _bad(f"'messages[{i}]' must be an object.")
        if not isinstance(m.get("role"), str):
            raise _bad(f"'messages[{i}].role' must be a string.")
        content = m.get("content")
        if content is not None and not isinstance(content, str | list):
            raise _bad(f"'messages[{i}].content' must be a string, an array of parts, or null.")
        if isinstance(content, list):
            for j, part in enumerate(content):
                if not isinstance(part, dict):
                    raise _bad(f"'messages[{i}].content[{j}]' must be an object.")
                if "text" in part and not isinstance(part["text"], str):
                    raise _bad(f"'messages[{i}].content[{j}].text' must be a string.")
        if "tool_calls" in m and not isinstance(m["tool_calls"], list):
            raise _bad(f"'messages[{i}].tool_calls' must be an array.")


def _check_text_input(value: Any, name: str) -> None:
    if isinstance(value, str):
        return
    if isinstance(value, list) and value and all(isinstance(v, str | int) for v in value):
        return
    if isinstance(value, list) and value and all(
            isinstance(v, list) and all(isinstance(t, int) for t in v) for v in value):
        return
    raise _bad(f"'{name}' must be a string or an array of strings or tokens.")


def validate(route: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("'model' is required and must be a non-empty string.", "missing_model")
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise _bad("'stream' must be a boolean.")
    for name in ("max_tokens", "max_completion_tokens", "n"):
        v = body.get(name)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise _bad(f"'{name}' must be a non-negative integer.")
    if route == "chat.completions":
        _check_messages(body.get("messages"))
        tools = body.get("tools")
        if tools is not None and not isinstance(tools, list):
            raise _bad("'tools' must be an array.")
    elif route == "completions":
        _check_text_input(body.get("prompt"), "prompt")
    elif route == "embeddings":
        if stream:
            raise _bad("'stream' is not supported for embeddings.")
        _check_text_input(body.get("input"), "input")
    so = body.get("stream_options")
    if so is not None and not isinstance(so, dict):
        raise _bad("'stream_options' must be an object.")
    return body

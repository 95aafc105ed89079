"""Request-body checks for the proxied routes: enough schema to route, count and guard safely.

Anything Bastion reads must have the type it expects; everything else is passed to the upstream
untouched, so new OpenAI parameters keep working without a Bastion release.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.config import ServerSettings
from bastion.gateway.errors import GatewayError

# Model ids are short names; a longer one is refused without being quoted back.
MAX_MODEL_CHARS = 256
# orjson serialises at most 254 levels: a limit above that would let a body pass parsing and then
# fail when the gateway re-serialises it (an unrecorded 503). Settings are capped here.
SERIALISABLE_DEPTH = 254
_CONTAINERS = (dict, list)


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """What a parsed request body may hold (``[server]`` max_json_depth, max_messages, max_string_chars)."""

    max_depth: int = 64
    max_messages: int = 2048
    max_string_chars: int = 1_048_576

    def __post_init__(self) -> None:
        if not 1 <= self.max_depth <= SERIALISABLE_DEPTH:
            raise ValueError(f"max_json_depth must be 1..{SERIALISABLE_DEPTH} (what serialisation supports)")
        if self.max_messages < 1 or self.max_string_chars < 1:
            raise ValueError("max_messages and max_string_chars must be positive")


DEFAULT_LIMITS = BodyLimits()


def quote(text: str, limit: int = 64) -> str:
    """User input as an error message may quote it: never more than ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _bad(message: str, code: str = "invalid_request") -> GatewayError:
    return GatewayError(400, message, code)


def check_shape(body: Any, limits: BodyLimits) -> None:
    """Refuse a body nested deeper than ``max_depth`` (the top-level object is level 1) or holding a
    string (key or value) longer than ``max_string_chars``. One walk over the containers, no recursion."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    max_depth, max_chars = limits.max_depth, limits.max_string_chars
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise _bad(f"The request body is nested deeper than {max_depth} levels.", "nesting_too_deep")
        if isinstance(node, dict):
            for key, value in node.items():
                if len(key) > max_chars:
                    raise _bad(f"A key in the request body is longer than {max_chars} characters.",
                               "string_too_long")
                if isinstance(value, _CONTAINERS):
                    stack.append((value, depth + 1))
                elif isinstance(value, str) and len(value) > max_chars:
                    raise _bad(f"'{quote(key)}' is longer than {max_chars} characters.", "string_too_long")
        else:
            # Arrays are often long runs of numbers (token ids): look at their element types at C speed
            # and walk the elements only when some are containers or strings.
            kinds = set(map(type, node))
            if str in kinds and any(isinstance(v, str) and len(v) > max_chars for v in node):
                raise _bad(f"A string in the request body is longer than {max_chars} characters.",
                           "string_too_long")
            if dict in kinds or list in kinds:
                stack.extend((v, depth + 1) for v in node if isinstance(v, _CONTAINERS))


def _check_messages(messages: Any, limits: BodyLimits) -> None:
    if not isinstance(messages, list) or not messages:
        raise _bad("'messages' must be a non-empty array.")
    if len(messages) > limits.max_messages:
        raise _bad(f"'messages' holds {len(messages)} messages; at most {limits.max_messages} are allowed.",
                   "too_many_messages")
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


def validate(route: str, body: Any, limits: BodyLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("'model' is required and must be a non-empty string.", "missing_model")
    if len(model) > MAX_MODEL_CHARS:
        raise _bad(f"'model' is longer than {MAX_MODEL_CHARS} characters.", "invalid_model")
    check_shape(body, limits)
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise _bad("'stream' must be a boolean.")
    for name in ("max_tokens", "max_completion_tokens", "n"):
        v = body.get(name)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            raise _bad(f"'{name}' must be a non-negative integer.")
    if route == "chat.completions":
        _check_messages(body.get("messages"), limits)
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


def body_limits(server: ServerSettings) -> BodyLimits:
    return BodyLimits(server.max_json_depth, server.max_messages, server.max_string_chars)

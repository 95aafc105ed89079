"""Incremental Server-Sent Events framing for relaying upstream streams event by event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(slots=True)
class SseEvent:
    raw: bytes  # the event exactly as received, with its terminating blank line
    data: bytes | None  # the joined ``data:`` payload, if any

    @property
    def done(self) -> bool:
        return self.data == b"[DONE]"

    def json(self) -> Any:
        if self.data is None or self.done:
            return None
        try:
            return orjson.loads(self.data)
        except orjson.JSONDecodeError:
            return None


class SseParser:
    """Feed it upstream bytes as they arrive; it returns the complete events so far."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        buf = self._buf + chunk
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n")
        events: list[SseEvent] = []
        start = 0
        while True:
            end = buf.find(b"\n\n", start)
            if end < 0:
                break
            block = buf[start:end]
            events.append(SseEvent(block + b"\n\n", _data(block)))
            start = end + 2
        self._buf = buf[start:]
        return events

    def tail(self) -> bytes:
        """Bytes left after the last complete event (a stream cut mid-event)."""
        return self._buf


def _data(block: bytes) -> bytes | None:
    parts = [line[5:].lstrip(b" ") for line in block.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(parts) if parts else None


def event(obj: Any) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"

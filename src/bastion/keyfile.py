"""Key files: created once, readable by their owner only, never silently replaced."""

from __future__ import annotations

import os
from pathlib import Path


def create_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file of mode 0600 (its directory made if needed). An existing file
    raises FileExistsError: the exclusive create leaves no window in which a key could be swapped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)

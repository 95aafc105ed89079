"""``bastion audit verify --bundle``: runs the standalone verifier shipped in ``tools/`` (the very
file auditors use), so Bastion and the auditor check bundles with the same code."""

from __future__ import annotations

import importlib.util
import io
from contextlib import redirect_stdout
from pathlib import Path

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"


def verify_bundle_dir(bundle: Path, keys: list[str]) -> tuple[bool, str]:
    if not TOOL.exists():
        return False, f"standalone verifier not found at {TOOL}; run tools/verify_bundle.py from Bastion's source"
    spec = importlib.util.spec_from_file_location("bastion_verify_bundle", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    message = ""
    for key in keys:  # any trusted key (the current one, or one from before a rotation)
        out = io.StringIO()
        with redirect_stdout(out):
            code = module.main([str(bundle), "--key", key])
        message = out.getvalue().strip()
        if code == 0:
            return True, message
    return False, message

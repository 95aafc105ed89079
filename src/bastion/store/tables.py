"""Every table of every capability on one ``metadata`` (imported by Alembic's env and by tests)."""

from __future__ import annotations

# Capabilities register their tables by importing their table modules here.
# (Each import adds Table objects to the shared ``metadata``.)
import bastion.audit.tables
import bastion.console.tables
import bastion.diligence.tables
import bastion.monitor.tables  # noqa: F401
from bastion.store.schema import metadata

__all__ = ["metadata"]

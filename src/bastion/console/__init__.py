"""The compliance console: server-rendered pages for officers, auditors and admins at ``/console/``."""

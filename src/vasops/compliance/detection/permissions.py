"""Detection permissions per role (merged into compliance.permissions.ROLE_PERMISSIONS)."""

from __future__ import annotations

DETECTION_ROLE_PERMISSIONS: dict[str, list[str]] = {}

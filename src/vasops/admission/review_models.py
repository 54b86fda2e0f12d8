"""Expert review (接入评审) models: expert pool, panels, meetings, score sheets. Imported by models.py."""

from __future__ import annotations

__all__: list[str] = []

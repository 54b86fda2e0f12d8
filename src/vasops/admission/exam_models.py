"""Exam (接入考核) models: question bank, sittings, papers, scores. Imported by models.py."""

from __future__ import annotations

__all__: list[str] = []

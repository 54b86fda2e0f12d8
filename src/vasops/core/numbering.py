"""Business numbers (unique, gap-free per prefix) such as ZR202611-0001."""

from __future__ import annotations

from django.db import transaction

from vasops.core.models import Sequence


def next_number(prefix: str, width: int = 4) -> str:
    with transaction.atomic():
        seq, _ = Sequence.objects.select_for_update().get_or_create(prefix=prefix)
        seq.value += 1
        seq.save(update_fields=["value"])
        return f"{prefix}{seq.value:0{width}d}"

"""Settlement acts. ``record_adjustment`` is how every other app changes a partner's money."""

from vasops.settlement.actions.adjustments import add_manual_adjustment, record_adjustment

__all__ = ["add_manual_adjustment", "record_adjustment"]

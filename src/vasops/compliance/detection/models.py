"""Detection of unauthorised charging (filled below)."""

__all__: list[str] = []

"""tasks of workorders."""

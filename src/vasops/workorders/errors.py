"""errors of workorders."""

"""api of workorders."""

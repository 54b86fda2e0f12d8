"""models of workorders."""

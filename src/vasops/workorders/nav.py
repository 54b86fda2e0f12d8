"""nav of workorders."""

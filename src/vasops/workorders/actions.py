"""actions of workorders."""

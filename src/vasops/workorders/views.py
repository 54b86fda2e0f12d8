"""views of workorders."""

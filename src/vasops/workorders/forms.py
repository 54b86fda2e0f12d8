"""forms of workorders."""

"""permissions of workorders."""

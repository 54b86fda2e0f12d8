"""rules of workorders."""

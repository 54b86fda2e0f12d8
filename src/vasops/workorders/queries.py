"""queries of workorders."""

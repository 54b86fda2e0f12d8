"""rules of partners."""

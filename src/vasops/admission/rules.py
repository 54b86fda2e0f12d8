"""rules of admission."""

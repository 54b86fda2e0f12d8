"""api of admission."""

"""errors of admission."""

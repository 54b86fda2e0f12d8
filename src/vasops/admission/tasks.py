"""tasks of admission."""

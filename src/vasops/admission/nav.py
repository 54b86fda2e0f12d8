"""nav of admission."""

"""models of admission."""

"""actions of admission."""

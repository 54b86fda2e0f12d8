"""views of admission."""

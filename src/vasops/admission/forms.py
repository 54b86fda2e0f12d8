"""forms of admission."""

"""permissions of admission."""

"""queries of admission."""

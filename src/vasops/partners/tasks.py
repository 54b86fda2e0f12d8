"""tasks of partners."""

"""errors of partners."""

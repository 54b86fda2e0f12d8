"""api of partners."""

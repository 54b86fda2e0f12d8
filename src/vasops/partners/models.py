"""models of partners."""

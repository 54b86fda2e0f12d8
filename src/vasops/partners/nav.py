"""nav of partners."""

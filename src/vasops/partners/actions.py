"""actions of partners."""

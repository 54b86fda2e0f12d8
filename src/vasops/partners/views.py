"""views of partners."""

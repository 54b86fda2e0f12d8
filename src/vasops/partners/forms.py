"""forms of partners."""

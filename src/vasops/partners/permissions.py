"""permissions of partners."""

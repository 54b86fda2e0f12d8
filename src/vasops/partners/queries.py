"""queries of partners."""

"""Natural language to read-only SQL: guard, read-only executor, SQL writers, demo database."""

"""Value-network analytics: pure functions over plain records (no web, ORM or store imports)."""

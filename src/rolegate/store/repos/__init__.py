"""One repository per resource family; each works inside the caller's transaction (a Connection)."""

"""Domain: ARNs, unique ids, entities and typed AWS errors. Standard library only."""

"""Who works when and who gets what: the roster, availability and cover, roles, routing."""

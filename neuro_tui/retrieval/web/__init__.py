"""Web retrieval: search provider, guarded fetching, isolated extraction, passage ranking."""

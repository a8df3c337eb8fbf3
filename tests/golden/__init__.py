"""Golden query sets (TOML data) and the page-level metrics used by tests and benches."""

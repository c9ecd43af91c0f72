"""`schedlint fix` (registered on the CLI app)."""

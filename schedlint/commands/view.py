"""`schedlint show`, `plot` and `diagnose` (registered on the CLI app)."""

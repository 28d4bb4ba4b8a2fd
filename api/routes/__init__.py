"""HTTP routes, one module per user group."""

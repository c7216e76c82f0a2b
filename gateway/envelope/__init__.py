"""envelope stage."""

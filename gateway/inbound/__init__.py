"""inbound stage."""

"""outbound stage."""

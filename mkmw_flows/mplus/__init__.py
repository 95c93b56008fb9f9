"""mplus layer."""

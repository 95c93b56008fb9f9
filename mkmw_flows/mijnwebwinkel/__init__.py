"""mijnwebwinkel layer."""

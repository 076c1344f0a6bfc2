"""xlink.classify."""

"""xlink.evaluation."""

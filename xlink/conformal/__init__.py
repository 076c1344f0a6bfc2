"""xlink.conformal."""

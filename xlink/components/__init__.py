"""spaCy components: thin adapters over xlink's library objects."""

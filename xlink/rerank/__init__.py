"""xlink.rerank."""

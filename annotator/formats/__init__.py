"""Import and export: one module per format, each a view of the canonical spans."""

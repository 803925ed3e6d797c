"""Alert rules: the YAML model and its loader."""

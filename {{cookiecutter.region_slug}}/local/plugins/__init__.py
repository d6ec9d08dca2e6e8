"""Local plugins: one folder each, enabled by name in region.toml [plugins] enabled."""

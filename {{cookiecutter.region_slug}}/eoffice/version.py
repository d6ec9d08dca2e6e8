"""The template version this core comes from (semantic versioning, see CHANGELOG.md)."""

__version__ = "0.1.0"

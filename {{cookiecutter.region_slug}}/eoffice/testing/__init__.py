"""Test support shipped with the core, reusable by local plugins' tests."""

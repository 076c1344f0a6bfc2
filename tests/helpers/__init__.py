"""Helpers shared by several test packages (importable, unlike conftest modules)."""

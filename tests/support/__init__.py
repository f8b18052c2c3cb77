"""Helpers shared by the tests, imported as `tests.support.<module>` (pytest's pythonpath is the project root)."""

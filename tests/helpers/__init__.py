"""Helpers shared by the tests, imported as ``from tests.helpers.<topic> import ...``.

The modules that define fixtures (inventory, s3, web) are registered once as plugins in
tests/conftest.py, so a test asks for ``db_url``, ``bucket`` or ``home`` by name and never
imports a fixture (an import that only looks unused is what a linter removes)."""

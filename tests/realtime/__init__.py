"""Socket tests against a real server on a real port (a package, so that its conftest never
shadows tests/conftest.py)."""

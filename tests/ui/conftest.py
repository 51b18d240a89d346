"""UI tests share the harness fixtures of tests/conftest.py."""

"""Test oracles shared by the tests under tests/python."""

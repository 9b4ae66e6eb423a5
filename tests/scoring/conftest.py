"""Scoring tests use the shared clock and the office's people of the disclosure tests."""

from tests.disclosure.conftest import desk, office

__all__ = ["desk", "office"]

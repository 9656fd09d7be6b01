"""Patterns of the text fields the API takes: ids, names and addresses are one line of text."""

from __future__ import annotations

# No id, name or address holds a control character, and PostgreSQL's text refuses NUL.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f"
ONE_LINE = rf"^[^{CONTROL_CHARACTERS}]+$"

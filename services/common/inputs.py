"""Patterns for what callers may send: PostgreSQL keeps no NUL character in text, so text
that would reach a database is refused with a 422 up front instead of failing on insert."""

from __future__ import annotations

# Free text (notes, names, message contents): anything but NUL.
TEXT = r"^[^\x00]*$"
# Identifiers of units, recipients and the like (U-D01-T01-V01).
IDENT = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"

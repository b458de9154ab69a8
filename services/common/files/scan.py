"""The virus-scan seam: every upload passes a Scanner before it is stored.

The stack uses EicarScanner, which finds the standard anti-virus test file (so the refusal
path is tested end to end) and nothing else. A deployment with ClamAV plugs a scanner that
speaks to clamd (INSTREAM over its socket) behind the same one-method interface; ClamAV's
signatures come from its own mirrors, outside what this project fetches.
"""

from __future__ import annotations

from typing import Protocol

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class Scanner(Protocol):
    async def threat(self, data: bytes) -> str | None:
        """The name of what was found in the bytes, or None when clean."""
        ...


class EicarScanner:
    """Finds the EICAR test string only: the seam's stand-in for a real engine."""

    async def threat(self, data: bytes) -> str | None:
        return "EICAR-Test-File" if EICAR in data[:4096] else None

"""What people read must be Chinese: find Latin words in a text outside the allowed few.

Shared by the unit tests of templates and story lines and the stack test that reads every
page as each role sees it.
"""

from __future__ import annotations

import re

# Latin that people in a 12345 centre read as it is: the hotline's number comes as digits,
# and these abbreviations and formats have no better Chinese name in daily use.
# AB岗 (a person's backup in their unit) is the civil service's own word.
ALLOWED = {"SMS", "ID", "CSV", "Excel", "PDF", "URL", "API", "AB"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
# Addresses, mailboxes, file names, keyboard shortcuts and grid codes (网格编码, which grid
# staff write on their maps and operators type in) are shown as they are.
_URLISH = re.compile(
    r"https?://\S+|\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b|/[\w/{}.\-]+|\b[\w\-]+\.(csv|xlsx|json|xml)\b"
    r"|\b(Alt|Ctrl|Shift)\+\w+|\bEnter\b|\bG(-[A-Z0-9]+)+\b"
)


def latin_words(text: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The Latin words of a text that people would not read as Chinese, in order."""
    bare = _URLISH.sub(" ", text)
    return [w for w in _WORD.findall(bare) if w not in ALLOWED and w not in allowed]

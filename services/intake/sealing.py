"""The process's Sealer of callers' personal data, from MINHU_PII_KEYS / MINHU_PII_INDEX_KEY."""

from __future__ import annotations

import functools

from services.common.pii import Sealer
from services.common.settings import CommonSettings


@functools.cache
def default_sealer() -> Sealer:
    """Built once from the environment (local keys when unset; production refuses those)."""
    return Sealer.from_settings(CommonSettings())

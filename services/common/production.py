"""Production mode (MINHU_ENV=production): refuse to start on any local default secret.

Every settings object may offer `production_problems() -> list[str]`, each problem naming
the setting to fix; `refuse_unsafe_start` gathers them and stops the process with all of
them listed, before anything listens or connects.
"""

from __future__ import annotations

import sys
from typing import Any

from services.common.pii import local_index_key, local_keys
from services.common.settings import SERVICES, CommonSettings, local_service_token, token_hash

LOCAL_PG_PASSWORD = "minhu-local"


def common_problems(common: CommonSettings) -> list[str]:
    """What in the shared settings is a local default."""
    problems = []
    if common.pg_password == LOCAL_PG_PASSWORD:
        problems.append("MINHU_PG_PASSWORD is the local profile's password")
    if common.service_token is None:
        problems.append("MINHU_SERVICE_TOKEN is unset (the local service token would be used)")
    elif common.service_token in {local_service_token(s) for s in SERVICES}:
        problems.append("MINHU_SERVICE_TOKEN is a local profile's well-known token")
    if not common.service_keys:
        problems.append("MINHU_SERVICE_KEYS is unset (every local service token would be admitted)")
    else:
        local = {token_hash(local_service_token(s)) for s in SERVICES}
        bad = sorted(n for n, h in common.service_keys.items() if h in local)
        if bad:
            problems.append(f"MINHU_SERVICE_KEYS admits local tokens for: {', '.join(bad)}")
    if not common.pii_keys:
        problems.append("MINHU_PII_KEYS is unset (the local sealing key would be used)")
    elif set(common.pii_keys) & set(local_keys()):
        problems.append("MINHU_PII_KEYS holds the local profile's sealing key")
    if not common.pii_index_key:
        problems.append("MINHU_PII_INDEX_KEY is unset (the local index key would be used)")
    elif common.pii_index_key == local_index_key():
        problems.append("MINHU_PII_INDEX_KEY is the local profile's index key")
    return problems


def problems_of(common: CommonSettings, *own: Any) -> list[str]:
    """Every production problem of the shared and the service's own settings."""
    problems = common_problems(common)
    for settings in own:
        check = getattr(settings, "production_problems", None)
        if check is not None:
            problems.extend(check())
    return problems


def refuse_unsafe_start(service: str, common: CommonSettings, *own: Any) -> None:
    """In production, exit (status 78, EX_CONFIG) naming every unsafe setting."""
    if not common.production:
        return
    problems = problems_of(common, *own)
    if not problems:
        return
    lines = [f"{service}: refusing to start with MINHU_ENV=production:"]
    lines += [f"  - {p}" for p in problems]
    print("\n".join(lines), file=sys.stderr, flush=True)
    raise SystemExit(78)

"""Property-based checks of every service's OpenAPI document against the running service.

schemathesis generates requests from each document (a bounded number per operation) and
checks that none gets a 5xx and every answer matches the documented status codes, media
types and schemas. Each operation is called as a principal its rule admits (a calling
service's token, the demo API client, a signed-in person), so the checks reach past the
guard. The probes and /metrics (plain text, not part of the contract) and event streams
(they never end) are left out.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.case import Case

from services.common.access import CSRF_HEADER, Rule
from services.common.access.services import ACTOR_HEADER
from services.common.settings import local_service_token
from tests.access_support import (
    ALERTMANAGER_TOKEN,
    DEMO_API_KEY,
    GATEWAY_KEY,
    PEOPLE,
    all_endpoints,
    sign_in,
)
from tests.support import StackAddresses

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Kept modest: all five services together stay within about a minute and a half.
MAX_EXAMPLES = {"intake": 20, "dispatch": 12, "sla": 10, "notify": 12, "desk": 12}
STREAMS = frozenset({"/v1/inbox/stream"})
# Training takes seconds a call, and a promotion or rollback would change the model every
# later test's cases are classified with: tests/e2e/test_model_learning.py covers them.
SLOW = frozenset({"/v1/model/train", "/v1/model/promote", "/v1/model/rollback"})
MIN_OPERATIONS = {"intake": 10, "dispatch": 8, "sla": 10, "notify": 5, "desk": 2}


async def credentials(stack: StackAddresses, rule: Rule | None) -> dict[str, str]:
    """Headers of a principal the rule admits (none for public routes)."""
    if rule is None or rule.public:
        return {}
    if rule.callers:
        caller = "desk" if "desk" in rule.callers else sorted(rule.callers)[0]
        if caller == "sms-gateway":
            return {"Authorization": f"Bearer {GATEWAY_KEY}"}
        if caller == "alertmanager":
            return {"Authorization": f"Bearer {ALERTMANAGER_TOKEN}"}
        headers = {"Authorization": f"Bearer {local_service_token(caller)}"}
        if caller == "desk":
            headers[ACTOR_HEADER] = "admin"
        return headers
    if rule.scopes:
        return {"X-API-Key": DEMO_API_KEY}
    role = "operator" if "operator" in rule.roles else sorted(rule.roles)[0]
    cookie, csrf = await sign_in(stack, PEOPLE[role])
    return {"Cookie": f"minhu_session={cookie}", CSRF_HEADER: csrf}


def _examples(operation: Any, base: str, headers: dict[str, str], count: int) -> Any:
    """A hypothesis test calling one operation `count` times as the given principal."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Case) -> None:
        if ACTOR_HEADER in headers and isinstance(case.body, dict) and "actor" in case.body:
            case.body["actor"] = headers[ACTOR_HEADER]  # the desk names whom it acts for
        case.call_and_validate(base_url=base, headers=headers, checks=CHECKS, timeout=15)

    return run


@pytest.mark.parametrize("service", ["intake", "dispatch", "sla", "notify", "desk"])
async def test_the_api_honours_its_openapi_document(stack: StackAddresses, service: str) -> None:
    base = getattr(stack, service)
    rules = {(e.method, e.path): e.rule for e in all_endpoints() if e.service == service}
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", wait_for_schema=30)
    failures: dict[str, str] = {}
    tested = 0
    started = time.monotonic()
    for result in schema.exclude(tag="ops").get_all_operations():
        operation = result.ok()
        if operation.path in STREAMS | SLOW:
            continue
        headers = await credentials(stack, rules.get((operation.method.upper(), operation.path)))

        run = _examples(operation, base, headers, MAX_EXAMPLES[service])
        try:
            run()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:2000]
        tested += 1
    print(f"\n{service}: {tested} operations in {time.monotonic() - started:.1f}s")
    assert tested >= MIN_OPERATIONS[service]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())

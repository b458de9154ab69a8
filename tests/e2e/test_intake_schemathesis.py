"""Property-based checks of intake's OpenAPI document against the running service.

schemathesis generates requests from the document (a bounded number per operation) and
checks that none gets a 5xx and every answer matches the documented status codes, media
types and schemas. The probes and /metrics (plain text, not part of the contract) are left out.
Requests show the demo API client's key (every scope), so the guarded routes are exercised
beyond their 401.
"""

from __future__ import annotations

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

from tests.support import INTAKE_HEADERS, StackAddresses

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 25


def test_intake_api_honours_its_openapi_document(stack: StackAddresses) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.intake}/openapi.json", wait_for_schema=30)
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.exclude(tag="ops").get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Case) -> None:
            case.call_and_validate(
                base_url=stack.intake, checks=CHECKS, timeout=15, headers=INTAKE_HEADERS
            )

        try:
            run()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:2000]
        tested += 1
    assert tested >= 10
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())

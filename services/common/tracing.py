"""OpenTelemetry tracing: one trace per case, carried in Kafka headers and into workflows.

A case's trace id is derived from its case number, so every service joins the same trace
without a lookup, even for work that starts outside any request: the outbox relay
publishing minutes later, a workflow timer firing days later. W3C `traceparent` headers
carry the parent span across Kafka and HTTP; Temporal's TracingInterceptor carries it into
workflows and activities. Logs written inside a span carry its trace_id and span_id, so
`grep <trace_id>` over the four services' logs follows one case end to end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("minhu")


def configure_tracing(service: str) -> None:
    """Install the SDK tracer provider once per process, named after the service.

    No exporter is configured: spans exist to give logs and downstream services real
    ids; where a collector runs, add a span processor here.
    """
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": f"minhu-{service}"}))
        trace.set_tracer_provider(provider)


def case_trace_id(case_no: str) -> int:
    """The 128-bit trace id of a case: the same in every service."""
    digest = hashlib.sha256(f"minhu-case:{case_no}".encode()).digest()
    return int.from_bytes(digest[:16], "big") or 1


def _root_span_id(case_no: str) -> int:
    digest = hashlib.sha256(f"minhu-case-root:{case_no}".encode()).digest()
    return int.from_bytes(digest[:8], "big") or 1


def case_root(case_no: str) -> Context:
    """A context whose (remote) parent is the case's root span."""
    root = SpanContext(
        trace_id=case_trace_id(case_no),
        span_id=_root_span_id(case_no),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(root))


def _parent_for(case_no: str, candidate: Context | None) -> Context:
    """The candidate context if it belongs to this case's trace, else the case root."""
    wanted = case_trace_id(case_no)
    span = trace.get_current_span(candidate)
    if span.get_span_context().is_valid and span.get_span_context().trace_id == wanted:
        return candidate if candidate is not None else otel_context.get_current()
    return case_root(case_no)


def traceparent(case_no: str) -> str:
    """The W3C traceparent for a message about this case, sent from the current span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=_parent_for(case_no, None))
    return carrier[TRACEPARENT]


def context_from_headers(
    headers: Iterable[tuple[str, bytes]] | MutableMapping[str, str] | None, case_no: str
) -> Context:
    """The parent context a received message or request names, or the case root."""
    carrier: dict[str, str] = {}
    if isinstance(headers, MutableMapping):
        carrier = {k.lower(): v for k, v in headers.items() if k.lower() == TRACEPARENT}
    elif headers is not None:
        for key, value in headers:
            if key.lower() == TRACEPARENT and value:
                carrier[TRACEPARENT] = value.decode("ascii", "replace")
    return _parent_for(case_no, _PROPAGATOR.extract(carrier, context=Context()))


@contextmanager
def case_span(
    name: str,
    case_no: str,
    *,
    parent: Context | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    **attributes: Any,
) -> Iterator[Span]:
    """A current span in the case's trace (under `parent` if that is in the same trace)."""
    ctx = _parent_for(case_no, parent)
    with _tracer.start_as_current_span(
        name, context=ctx, kind=kind, attributes={"minhu.case_no": case_no, **attributes}
    ) as span:
        yield span


def add_trace_ids(_logger: object, _method: str, event: MutableMapping[str, Any]) -> Any:
    """structlog processor: the current span's trace_id and span_id on every line."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event.setdefault("trace_id", trace.format_trace_id(ctx.trace_id))
        event.setdefault("span_id", trace.format_span_id(ctx.span_id))
    return event

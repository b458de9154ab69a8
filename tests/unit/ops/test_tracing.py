"""One trace per case: derived trace ids, W3C headers through Kafka, trace ids in logs."""

from __future__ import annotations

from opentelemetry import trace

from services.common import events
from services.common.kafka import headers
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.tracing import (
    add_trace_ids,
    case_span,
    case_trace_id,
    configure_tracing,
    context_from_headers,
)

CASE = "20261123000007"


def envelope() -> events.Envelope:
    payload = case_pb2.CaseClosed(case_no=CASE, reason="supervisor")
    return events.envelope(events.CASE_CLOSED, payload, subject=CASE, source="minhu/test")


def test_trace_id_is_the_same_everywhere_and_differs_per_case() -> None:
    assert case_trace_id(CASE) == case_trace_id(CASE)
    assert case_trace_id(CASE) != case_trace_id("20261123000008")


def test_headers_carry_the_case_trace_without_a_current_span() -> None:
    hdrs = dict(headers(envelope()))
    version, trace_id, _span, flags = hdrs["traceparent"].decode().split("-")
    assert (version, flags) == ("00", "01")
    assert int(trace_id, 16) == case_trace_id(CASE)


def test_a_consumer_continues_the_producers_span() -> None:
    configure_tracing("test")
    with case_span("produce", CASE) as producer:
        hdrs = headers(envelope())
    parent = context_from_headers(hdrs, CASE)
    with case_span("consume", CASE, parent=parent) as consumer:
        event = add_trace_ids(None, "info", {})
    produced = producer.get_span_context()
    assert consumer.parent is not None and consumer.parent.span_id == produced.span_id
    assert event["trace_id"] == trace.format_trace_id(case_trace_id(CASE))


def test_a_foreign_or_missing_traceparent_falls_back_to_the_case_root() -> None:
    other = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    for hdrs in (other, [], None):
        ctx = context_from_headers(hdrs, CASE)
        span = trace.get_current_span(ctx).get_span_context()
        assert span.trace_id == case_trace_id(CASE)

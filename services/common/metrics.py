"""Prometheus metrics every service exports; labels stay bounded (never a case number)."""

from __future__ import annotations

import time

from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.tracing import case_span, context_from_headers

EVENTS_CONSUMED = Counter(
    "minhu_events_consumed_total",
    "Kafka records handled by a consumer, by outcome.",
    ["topic", "group", "outcome"],
)
EVENT_HANDLING = Histogram(
    "minhu_event_handling_seconds",
    "Time to apply one consumed event, including its database transaction.",
    ["topic", "group"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DEAD_LETTERS = Counter(
    "minhu_dead_letters_total",
    "Records sent to a dead-letter topic because they could not be read.",
    ["topic", "group"],
)
CONSUMER_LAG = Gauge(
    "minhu_consumer_lag_records",
    "Records between the consumer's position and the partition end, summed per topic.",
    ["topic", "group"],
)
EVENTS_PUBLISHED = Counter(
    "minhu_events_published_total", "Events acknowledged by Kafka, per topic.", ["topic"]
)
OUTBOX_BACKLOG = Gauge("minhu_outbox_backlog", "Outbox rows not yet published.")
OUTBOX_RELAY_DELAY = Histogram(
    "minhu_outbox_relay_delay_seconds",
    "Time from an outbox row's commit to Kafka's acknowledgement.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HTTP_REQUESTS = Counter(
    "minhu_http_requests_total", "HTTP requests, per route.", ["method", "route", "status"]
)
HTTP_IN_FLIGHT = Gauge(
    "minhu_http_requests_in_flight", "HTTP requests being handled right now (saturation)."
)
REQUESTS_SHED = Counter(
    "minhu_http_requests_shed_total",
    "Writes refused with 503 at once because as many were in flight as can finish quickly.",
)
HTTP_DURATION = Histogram(
    "minhu_http_request_duration_seconds",
    "HTTP request handling time, per route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

# Business counters shared by name across services, so dashboards can rely on them.
CASES_RECEIVED = Counter(
    "minhu_cases_received_total", "Cases accepted by intake, by channel.", ["channel"]
)
DISPATCH_BOUNCES = Counter(
    "minhu_dispatch_bounces_total",
    "Cases bounced back to dispatch by the unit they were assigned to, by tier.",
    ["tier"],
)
DISPATCH_HOTSPOT_LINKS = Counter(
    "minhu_dispatch_hotspot_links_total",
    "Cases linked to an open hotspot (repeated complaints about one matter), by topic.",
    ["topic"],
)

for _tier in ("village", "township", "district"):  # start at 0 so rates exist before one
    DISPATCH_BOUNCES.labels(_tier)


def _route_template(request: Request) -> tuple[str, str | None]:
    """The matched route's template and its case number, if the path names one."""
    for route in request.app.router.routes:
        match, child = route.matches(request.scope)
        if match == Match.FULL:
            case_no = child.get("path_params", {}).get("case_no")
            return str(getattr(route, "path", "other")), case_no
    return "unmatched", None


class HttpMetrics:
    """Counts and times every request by its route template, not its raw path; a plain ASGI
    middleware (no task and stream per request, as a decorator middleware costs)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request = Request(scope)
        route, case_no = _route_template(request)
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            if case_no is None:
                await self.app(scope, receive, sending)
            else:
                # A request about one case joins that case's trace (services/common/tracing).
                parent = context_from_headers(dict(request.headers), case_no)
                name = f"{request.method} {route}"
                with case_span(name, case_no, parent=parent, kind=SpanKind.SERVER):
                    await self.app(scope, receive, sending)
        finally:
            HTTP_IN_FLIGHT.dec()
            HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
            HTTP_DURATION.labels(request.method, route).observe(time.perf_counter() - start)

"""SLA metrics derived from the events the case workflows publish.

Workflows must stay deterministic, so they never touch Prometheus. This module reads
case.dispatched, case.sla, case.action and case.closed back and keeps:

- counters (breaches, escalations, accepts, resolutions, callbacks, reopens, extensions,
  actions, closures) and the time-to-accept / time-to-resolve histograms;
- a book of open cases (tier, unit, light), exported as the gauge
  minhu_sla_open_cases{tier,light,unit_id}.

Why the book lives in this process and is rebuilt by replay: sla owns no database, and the
event log already is the state. The reader has no consumer group and starts from the
earliest offset on every start, so the gauge is right again seconds after a restart. While
replaying, events older than the process only rebuild the book; counters count events from
the process start on, so a restart reads as a counter reset, never as a burst of old
breaches. Open cases older than Kafka's retention (7 days by default) drop out of the
gauge: past that, query Temporal visibility instead. Each replica reads every partition,
so with several replicas take max() across instances, not sum().
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from google.protobuf.message import Message
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from services.common import events
from services.common.events import Topic, UnreadableEvent, decode
from services.common.logging import get_logger
from services.common.metrics import CONSUMER_LAG, EVENTS_CONSUMED
from services.common.proto_gen.minhu.events.v1 import case_pb2

log = get_logger(__name__)
GROUP = "sla-metrics"
TOPICS = (Topic.DISPATCHED, Topic.SLA, Topic.ACTION, Topic.CLOSED)
ACTIONS = (
    "accepted",
    "progressed",
    "extension_requested",
    "extension_decided",
    "bounced",
    "resolved",
    "callback_recorded",
    "reopened",
)
CLOSE_REASONS = ("callback_satisfied", "supervisor", "merged", "rejected")
_DURATION_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200, 604800)

BREACHES = Counter(
    "minhu_sla_breaches_total",
    "Deadlines missed (light turned red), by tier, unit and deadline.",
    ["tier", "unit_id", "deadline"],
)
ESCALATIONS = Counter(
    "minhu_sla_escalations_total",
    "Cases moved one rung up after a breach (to_tier supervision = 督办), by tier.",
    ["from_tier", "to_tier"],
)
WARNINGS = Counter(
    "minhu_sla_warnings_total", "Lights turned yellow, by tier and deadline.", ["tier", "deadline"]
)
ACCEPTS = Counter(
    "minhu_sla_accepts_total",
    "Cases accepted (签收) by a unit, on time or after the accept deadline.",
    ["tier", "unit_id", "on_time"],
)
RESOLUTIONS = Counter(
    "minhu_sla_resolutions_total",
    "Cases resolved (办结) by a unit, on time or after the resolve deadline.",
    ["tier", "unit_id", "on_time"],
)
CALLBACKS = Counter(
    "minhu_sla_callbacks_total",
    "Callback surveys (回访) recorded, by the unit that resolved and the outcome.",
    ["tier", "unit_id", "outcome"],
)
REOPENS = Counter("minhu_sla_reopens_total", "Cases reopened after callback, by tier.", ["tier"])
EXTENSIONS = Counter(
    "minhu_sla_extensions_total", "Extension requests and decisions, by tier.", ["tier", "stage"]
)
ACTIONS_TOTAL = Counter(
    "minhu_sla_actions_total", "Handler, supervisor and citizen actions, by action.", ["action"]
)
CLOSED = Counter("minhu_sla_cases_closed_total", "Cases closed, by reason.", ["reason"])
TIME_TO_ACCEPT = Histogram(
    "minhu_sla_time_to_accept_seconds",
    "From dispatch to 签收, by the accepting tier.",
    ["tier"],
    buckets=_DURATION_BUCKETS,
)
TIME_TO_RESOLVE = Histogram(
    "minhu_sla_time_to_resolve_seconds",
    "From dispatch to 办结, by the resolving tier.",
    ["tier"],
    buckets=_DURATION_BUCKETS,
)
for _action in ACTIONS:  # known label values start at 0 so rates exist before the first one
    ACTIONS_TOTAL.labels(_action)
for _reason in CLOSE_REASONS:
    CLOSED.labels(_reason)
for _from, _to in (("village", "township"), ("township", "district"), ("district", "supervision")):
    ESCALATIONS.labels(_from, _to)


@dataclass
class OpenCase:
    """What the book remembers of one open case."""

    tier: str
    unit_id: str
    light: str = "green"
    dispatched_at: datetime | None = None
    accept_breached: bool = False
    resolve_breached: bool = False
    seen: set[str] = field(default_factory=set)


class CaseBook:
    """Open cases by case number, fed one event at a time; no I/O, so tests can drive it."""

    def __init__(self) -> None:
        self.cases: dict[str, OpenCase] = {}

    def apply(self, env_id: str, payload: Message, *, count: bool) -> bool:
        """Apply one event; counters move only if `count`. False for a repeated event id."""
        if isinstance(payload, case_pb2.CaseDispatched):
            return self._dispatched(env_id, payload)
        case = self.cases.get(payload.case_no)  # type: ignore[attr-defined]
        if case is not None:
            if env_id in case.seen:
                return False
            case.seen.add(env_id)
        if isinstance(payload, case_pb2.CaseSlaChanged):
            self._sla(case, payload, count)
        elif isinstance(payload, case_pb2.CaseAction):
            self._action(case, payload, count)
        elif isinstance(payload, case_pb2.CaseClosed):
            self.cases.pop(payload.case_no, None)
            if count:
                CLOSED.labels(payload.reason or "unknown").inc()
        return True

    def open_counts(self) -> dict[tuple[str, str, str], int]:
        """Open cases per (tier, light, unit_id)."""
        counts: dict[tuple[str, str, str], int] = {}
        for c in self.cases.values():
            key = (c.tier, c.light, c.unit_id)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def _dispatched(self, env_id: str, p: case_pb2.CaseDispatched) -> bool:
        if p.manual:  # waits for a human dispatcher: no unit, no clock yet
            return True
        case = self.cases.get(p.case_no)
        if case is not None and env_id in case.seen:
            return False
        at = events.to_datetime(p.dispatched_at) if p.HasField("dispatched_at") else None
        if case is None:
            case = self.cases[p.case_no] = OpenCase(tier=p.tier, unit_id=p.unit_id)
        # A re-dispatch (after a bounce) hands the case to a new unit with a new clock.
        case.tier, case.unit_id, case.light = p.tier, p.unit_id, "green"
        case.dispatched_at = case.dispatched_at or at
        case.accept_breached = case.resolve_breached = False
        case.seen.add(env_id)
        return True

    def _sla(self, case: OpenCase | None, p: case_pb2.CaseSlaChanged, count: bool) -> None:
        if p.part_unit_id:
            return  # 联动办: a co-unit's part is no change of the lead's case
        from_tier = (case.tier if case else "") or p.from_tier or "unknown"
        if case is not None:
            case.light = p.light or case.light
            if p.kind == "escalated":
                case.tier, case.unit_id = p.tier, p.unit_id
                case.accept_breached = case.resolve_breached = False
            elif p.kind == "breached":
                if p.deadline == "accept":
                    case.accept_breached = True
                elif p.deadline == "resolve":
                    case.resolve_breached = True
            elif p.kind == "supervised":
                case.tier = "supervision"
        if not count:
            return
        if p.kind == "breached":
            BREACHES.labels(p.tier, p.unit_id, p.deadline).inc()
        elif p.kind == "light_changed" and p.light == "yellow":
            WARNINGS.labels(p.tier, p.deadline).inc()
        elif p.kind == "escalated":
            ESCALATIONS.labels(p.from_tier or from_tier, p.tier).inc()
        elif p.kind == "supervised":
            ESCALATIONS.labels(p.tier or from_tier, "supervision").inc()

    def _action(self, case: OpenCase | None, p: case_pb2.CaseAction, count: bool) -> None:
        tier = case.tier if case else "unknown"
        unit = p.unit_id or (case.unit_id if case else "")
        at = events.to_datetime(p.at) if p.HasField("at") else None
        started = case.dispatched_at if case else None
        if count:
            ACTIONS_TOTAL.labels(p.action).inc()
        if p.action == "reopened" and case is not None:
            case.resolve_breached = False
        if not count:
            return
        elapsed = (at - started).total_seconds() if at and started else None
        if p.action == "accepted":
            late = case.accept_breached if case else False
            ACCEPTS.labels(tier, unit, str(not late).lower()).inc()
            if elapsed is not None:
                TIME_TO_ACCEPT.labels(tier).observe(max(elapsed, 0.0))
        elif p.action == "resolved":
            late = case.resolve_breached if case else False
            RESOLUTIONS.labels(tier, unit, str(not late).lower()).inc()
            if elapsed is not None:
                TIME_TO_RESOLVE.labels(tier).observe(max(elapsed, 0.0))
        elif p.action == "callback_recorded":
            # The workflow writes the outcome first: "满意 …" or "不满意 …".
            outcome = "unsatisfied" if p.note.startswith("不满意") else "satisfied"
            CALLBACKS.labels(tier, unit, outcome).inc()
        elif p.action == "reopened":
            REOPENS.labels(tier).inc()
        elif p.action in ("extension_requested", "extension_decided"):
            EXTENSIONS.labels(tier, p.action.removeprefix("extension_")).inc()


class OpenCasesCollector(Collector):
    """Exports the book as a gauge at scrape time, so closed cases leave no stale series."""

    def __init__(self) -> None:
        self.book: CaseBook | None = None

    def collect(self) -> Iterator[Metric]:
        """The open-cases gauge from the current book."""
        gauge = GaugeMetricFamily(
            "minhu_sla_open_cases",
            "Cases not yet closed, by current tier, light and unit.",
            labels=["tier", "light", "unit_id"],
        )
        if self.book is not None:
            for (tier, light, unit), n in sorted(self.book.open_counts().items()):
                gauge.add_metric([tier, light, unit], n)
        yield gauge


OPEN_CASES = OpenCasesCollector()
REGISTRY.register(OPEN_CASES)


class MetricsProjection:
    """Reads the case topics from the beginning into a CaseBook; see the module docstring."""

    def __init__(self, bootstrap: str, *, topics: Iterable[str] = TOPICS) -> None:
        self.bootstrap = bootstrap
        self.topics = tuple(topics)
        self.book = CaseBook()
        self.started = datetime.now(UTC)
        self._lags: dict[TopicPartition, int] = {}
        OPEN_CASES.book = self.book

    async def run(self) -> None:
        """Replay, then follow, until cancelled."""
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                for tp, records in batch.items():
                    for record in records:
                        self._apply(record.topic, record.value)
                    self._lag(consumer, tp, records[-1].offset + 1)
        finally:
            await consumer.stop()

    def _apply(self, topic: str, raw: bytes | None) -> None:
        try:
            env, payload = decode(raw)
        except UnreadableEvent:
            # Not ours to dead-letter: the groups that act on these topics do that.
            EVENTS_CONSUMED.labels(topic, GROUP, "skipped").inc()
            return
        count = events.to_datetime(env.time) >= self.started
        fresh = self.book.apply(env.id, payload, count=count)
        outcome = "duplicate" if not fresh else ("processed" if count else "replayed")
        EVENTS_CONSUMED.labels(topic, GROUP, outcome).inc()

    def _lag(self, consumer: AIOKafkaConsumer, tp: TopicPartition, position: int) -> None:
        high = consumer.highwater(tp)
        if high is not None:
            self._lags[tp] = max(high - position, 0)
            total = sum(v for k, v in self._lags.items() if k.topic == tp.topic)
            CONSUMER_LAG.labels(tp.topic, GROUP).set(total)


_runtime: Runtime | None = None


def temporal_runtime(port: int) -> Runtime | None:
    """A Temporal runtime exporting the SDK's own metrics on 127.0.0.1:port (0 = none).

    The Rust core serves them itself; a runtime binds its port once, so it is made once
    per process and reused by every client.
    """
    global _runtime
    if port <= 0:
        return None
    if _runtime is None:
        _runtime = Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}"),
                global_tags={"service": "sla"},
            )
        )
    return _runtime

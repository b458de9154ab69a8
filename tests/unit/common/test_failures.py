"""Failures are sorted by kind: the infrastructure is retried, a bad message is dead-lettered."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, UnsupportedVersionError
from google.protobuf.message import Message
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError
from temporalio.service import RPCError, RPCStatusCode

from services.common import events
from services.common.events import Envelope
from services.common.failures import PERMANENT, TRANSIENT, UNKNOWN, kind_of, reason
from services.common.kafka import ConsumerConfig, EventConsumer, PoisonEvent
from services.common.proto_gen.minhu.events.v1 import case_pb2


class DriverError(Exception):
    """What SQLAlchemy's asyncpg adapter wraps: an error with the server's SQLSTATE."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


def db(cls: type, sqlstate: str | None) -> Exception:
    exc: Exception = cls("INSERT ...", {}, DriverError(sqlstate))
    return exc


def validation_error() -> Exception:
    class Shape(BaseModel):
        n: int

    try:
        Shape.model_validate({"n": "many"})
    except Exception as exc:
        return exc
    raise AssertionError("the model accepted a bad value")


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (db(IntegrityError, "23505"), PERMANENT),  # unique violation
        (db(DataError, "22021"), PERMANENT),  # a NUL byte in a text
        (db(DataError, "22001"), PERMANENT),  # value too long
        (db(IntegrityError, None), PERMANENT),
        (db(OperationalError, "40001"), TRANSIENT),  # serialization failure
        (db(OperationalError, "40P01"), TRANSIENT),  # deadlock
        (db(OperationalError, "57P01"), TRANSIENT),  # admin shutdown
        (db(OperationalError, "08006"), TRANSIENT),  # connection failure
        (db(OperationalError, None), TRANSIENT),  # connection lost, no SQLSTATE
        (db(ProgrammingError, "42703"), UNKNOWN),  # undefined column: a bug
        (ConnectionRefusedError(111, "refused"), TRANSIENT),
        (TimeoutError(), TRANSIENT),
        (KafkaConnectionError(), TRANSIENT),
        (UnsupportedVersionError(), UNKNOWN),
        (RPCError("down", RPCStatusCode.UNAVAILABLE, b""), TRANSIENT),
        (RPCError("bad", RPCStatusCode.INVALID_ARGUMENT, b""), PERMANENT),
        (RPCError("gone", RPCStatusCode.NOT_FOUND, b""), UNKNOWN),
        (PoisonEvent("cannot fold"), PERMANENT),
        (validation_error(), PERMANENT),
        (KeyError("x"), UNKNOWN),
    ],
)
def test_each_failure_has_its_kind(exc: Exception, kind: str) -> None:
    assert kind_of(exc) == kind


def test_a_reason_names_the_kind_the_class_and_sqlstate() -> None:
    text = reason(db(DataError, "22021"))
    assert text.startswith("permanent: DataError [22021]: ")


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Producer:
    """Keeps what would have gone to the dead-letter topic."""

    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send_and_wait(self, topic: str, **kw: Any) -> None:
        self.sent.append({"topic": topic, **kw})


def record(offset: int, event_id: str) -> Record:
    env = events.envelope(
        events.CASE_CLOSED,
        case_pb2.CaseClosed(case_no="20260101000001"),
        subject="20260101000001",
        source="minhu/test",
        event_id=event_id,
    )
    return Record("case.closed", 0, offset, b"20260101000001", env.SerializeToString())


class Failing:
    """Fails each event id a given number of times with a given error, then applies it."""

    def __init__(self, plan: dict[str, tuple[int, Exception]]) -> None:
        self.plan = plan
        self.calls: dict[str, int] = {}
        self.applied: list[str] = []

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        self.calls[env.id] = self.calls.get(env.id, 0) + 1
        times, error = self.plan.get(env.id, (0, RuntimeError()))
        if self.calls[env.id] <= times:
            raise error
        self.applied.append(env.id)
        return True


def run(handler: Failing, records: list[Record]) -> Producer:
    producer = Producer()
    config = ConsumerConfig(
        "unused:9092", "test", ("case.closed",), max_attempts=3, retry_initial=0.001
    )
    consumer = EventConsumer(config, handler, producer)  # type: ignore[arg-type]
    asyncio.run(consumer._apply_partition(records))  # type: ignore[arg-type]
    return producer


def dead_letters(producer: Producer) -> dict[str, str]:
    out = {}
    for sent in producer.sent:
        env, _ = events.decode(sent["value"])
        out[env.id] = dict(sent["headers"])["dlq_error"].decode()
    return out


def test_a_permanent_error_is_dead_lettered_at_once_and_the_next_record_applied() -> None:
    handler = Failing({"bad": (99, db(DataError, "22021"))})
    producer = run(handler, [record(1, "bad"), record(2, "good")])
    assert handler.calls["bad"] == 1
    assert handler.applied == ["good"]
    assert dead_letters(producer)["bad"].startswith("permanent: DataError [22021]")


def test_a_transient_error_is_retried_past_max_attempts_and_never_dead_lettered() -> None:
    handler = Failing({"slow": (5, db(OperationalError, "08006"))})
    producer = run(handler, [record(1, "slow")])
    assert handler.calls["slow"] == 6
    assert handler.applied == ["slow"]
    assert producer.sent == []


def test_an_unknown_error_is_tried_max_attempts_times_then_dead_lettered() -> None:
    handler = Failing({"bug": (99, KeyError("field"))})
    producer = run(handler, [record(1, "bug")])
    assert handler.calls["bug"] == 3
    assert dead_letters(producer)["bug"].startswith("unknown: KeyError")

"""Which failures are worth retrying. Pure: the consumer loop and the tools share one answer.

- transient: the infrastructure, not the message (a database or broker down, a timeout, a
  serialization failure or deadlock, Temporal unavailable): retry with backoff, never skip;
- permanent: the message itself can never be applied (integrity or data errors, validation,
  an event the handler refuses): dead-letter at once with the reason;
- unknown: anything else (most often a bug): retry a few times, then dead-letter.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.service import RPCError, RPCStatusCode

Kind = Literal["transient", "permanent", "unknown"]
TRANSIENT: Kind = "transient"
PERMANENT: Kind = "permanent"
UNKNOWN: Kind = "unknown"

# SQLSTATE classes and codes (PostgreSQL, Appendix A).
_TRANSIENT_CLASSES = (
    "08",  # connection exception
    "53",  # insufficient resources (disk full, out of memory, too many connections)
    "57",  # operator intervention (admin shutdown, cannot connect now)
    "58",  # system error (I/O)
)
_TRANSIENT_CODES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock
_PERMANENT_CLASSES = ("22", "23")  # data exception, integrity constraint violation

_TEMPORAL_TRANSIENT = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.ABORTED,
        RPCStatusCode.CANCELLED,
    }
)
_TEMPORAL_PERMANENT = frozenset({RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.OUT_OF_RANGE})


class PermanentError(Exception):
    """Raised for a message that can be read but never applied: dead-lettered at once."""


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, if the driver gave one."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code if isinstance(code, str) else None


def _database(exc: DBAPIError) -> Kind:
    code = sqlstate(exc)
    if code is None:
        # No SQLSTATE: the driver lost the server (a reset or closed connection).
        return PERMANENT if isinstance(exc, IntegrityError | DataError) else TRANSIENT
    if code in _TRANSIENT_CODES or code[:2] in _TRANSIENT_CLASSES:
        return TRANSIENT
    if code[:2] in _PERMANENT_CLASSES:
        return PERMANENT
    return UNKNOWN  # e.g. a syntax or undefined-column error: a bug or a migration behind


def kind_of(exc: BaseException) -> Kind:
    """How to treat one failure of applying a message."""
    if isinstance(exc, PermanentError | ValidationError | UnicodeError):
        return PERMANENT
    if isinstance(exc, DBAPIError):
        return _database(exc)
    if isinstance(exc, PoolTimeout):
        return TRANSIENT  # every pooled connection busy: wait, as for a database that is down
    if isinstance(exc, KafkaError):
        return TRANSIENT if exc.retriable else UNKNOWN
    if isinstance(exc, RPCError):
        if exc.status in _TEMPORAL_TRANSIENT:
            return TRANSIENT
        return PERMANENT if exc.status in _TEMPORAL_PERMANENT else UNKNOWN
    if isinstance(exc, ConnectionError | OSError | asyncio.TimeoutError):
        return TRANSIENT
    return UNKNOWN


def first_line(exc: BaseException | None) -> str:
    """The first line of an error's text: a database error's later lines hold the statement
    and its parameters, which may carry personal data."""
    text = str(exc) if exc is not None else ""
    return text.splitlines()[0] if text else ""


def reason(exc: BaseException) -> str:
    """A dead letter's reason: the kind, the error's class and, for databases, SQLSTATE."""
    code = sqlstate(exc)
    state = f" [{code}]" if code else ""
    return f"{kind_of(exc)}: {type(exc).__name__}{state}: {first_line(exc)[:300]}"

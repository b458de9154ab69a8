"""Structured JSON logs; the case number rides along through contextvars."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from services.common.pii import scrub
from services.common.tracing import add_trace_ids

# Fields whose values are identifiers, never free text: left as they are.
_NOT_TEXT = frozenset({"trace_id", "span_id", "event_id", "timestamp", "case_no"})


def _scrubbed(value: object) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: v if k in _NOT_TEXT else _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrubbed(v) for v in value)
    return value


def scrub_phones(
    logger: object, method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Mask every phone number in every string of a log line, nested ones included.

    Defence in depth: code never logs callers' numbers on purpose, but an error text, a
    request URL or a handler's note may carry one.
    """
    for key, value in event_dict.items():
        if key not in _NOT_TEXT:
            event_dict[key] = _scrubbed(value)
    return event_dict


def configure_logging(service: str, *, level: str = "INFO", json: bool = True) -> None:
    """Route stdlib and structlog records through one JSON renderer tagged with the service."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        # Tracebacks without each frame's local variables: those hold event payloads and
        # request bodies, callers' names and numbers among them.
        structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
        scrub_phones,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(service=service)
    for noisy in ("aiokafka", "uvicorn.access", "temporalio.activity", "temporalio.workflow"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


@contextmanager
def case_context(case_no: str, **extra: str) -> Iterator[None]:
    """Bind the case number (and any ids) to every log line written inside the block."""
    with structlog.contextvars.bound_contextvars(case_no=case_no, **extra):
        yield


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger; use keyword fields, not formatted strings."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger

"""Tables every event-driven service keeps beside its own: the outbox and consumed-event ids."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Events written in the same transaction as the state they announce, relayed to Kafka."""
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index("ix_outbox_unpublished", "seq", postgresql_where=sa.text("published_at IS NULL")),
    )


def processed_events_table(metadata: sa.MetaData) -> sa.Table:
    """(consumer, event_id) pairs recorded with the effect, so a redelivery is a no-op."""
    return sa.Table(
        "processed_events",
        metadata,
        sa.Column("consumer", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def create_common_tables_v1() -> None:
    """Migration step creating the outbox and processed-events tables as first released.

    Later changes to these tables get their own migration steps; this one stays as it is.
    """
    metadata = sa.MetaData()
    for table in (outbox_table(metadata), processed_events_table(metadata)):
        table.create(op.get_bind())


def drop_common_tables() -> None:
    """Reverse of create_common_tables."""
    op.drop_table("processed_events")
    op.drop_table("outbox")

"""The log of grid workers' visits (走访), migration desk_0007_grid.

A visit is no case event: the desk keeps this log itself, and rows are only ever added.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.desk.tables import metadata

visits = sa.Table(
    "grid_visits",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("grid_code", sa.String(64), nullable=False),
    # Where or whom the worker visited (a building, a shop, a household's door number).
    sa.Column("place", sa.String(200), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_grid_visits_user_at", "username", "at"),
    sa.Index("ix_grid_visits_at", "at"),
)

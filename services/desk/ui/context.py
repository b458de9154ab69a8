"""What the UI's handlers reach through the app state: directory, board, sla, dispatch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import Request

from services.common.jurisdiction import Directory
from services.common.pii import Sealer
from services.desk.board.live import LiveHub
from services.desk.slagateway import SlaGateway
from services.desk.worktime import WorkTimeSource
from services.desk.worktime.model import annotate_clock_time

FINISHED = ("resolved", "closed")


@dataclass
class Ui:
    """The queue UI's ports."""

    directory: Directory
    sla: SlaGateway
    live: LiveHub
    peers: httpx.AsyncClient  # dispatch's API (manual queue, arbitration)
    dispatch_url: str
    worktime: WorkTimeSource

    async def time_left(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows with what is left of their deadlines, in working time where that applies.

        A resolved or closed case has nothing left to count down.
        """
        now = datetime.now(UTC)
        rows = [r for r in rows if r.get("state") not in FINISHED]
        clock = await self.worktime.get(now)
        if clock is None:
            annotate_clock_time(rows, now)
        else:
            clock.annotate(rows, now)
        return rows

    def unit_name(self, unit_id: str) -> str:
        """A unit's name, or its id if the directory does not know it."""
        try:
            return self.directory.unit(unit_id).name
        except KeyError:
            return unit_id


def ui_of(request: Request) -> Ui:
    """The app's UI ports."""
    ui: Ui = request.app.state.ui
    return ui


def sealer_of(request: Request) -> Sealer:
    """What seals and opens callers' data and takes the blind index of a number."""
    sealer: Sealer = request.app.state.sealer
    return sealer


def sessions_db(request: Request) -> Any:
    """The database sessionmaker."""
    return request.app.state.sessions

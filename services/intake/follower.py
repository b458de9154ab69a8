"""Intake's follower: applies the case events intake follows (closures, and the progress
citizens look up), in intake's own process or, so that applying them never holds up an
acknowledgement, in a process of its own (MINHU_INTAKE_FOLLOW=false on the API process).

    python -m services.intake.follower
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.common.events import Topic
from services.common.jurisdiction import Directory
from services.common.plumbing import Plumbing
from services.common.runtime import migration, run_service
from services.common.settings import CommonSettings
from services.common.web import add_ops_routes, install_security
from services.intake import store
from services.intake.consumer import CaseCloser, CaseFollower, ProgressRecorder
from services.intake.settings import IntakeSettings


def follow(plumbing: Plumbing) -> None:
    """Start intake's consumer group on the plumbing's database."""
    follower = CaseFollower(
        CaseCloser(plumbing.sessions),
        ProgressRecorder(plumbing.sessions, Directory.from_file()),
    )
    plumbing.consume("intake", follower.topics, follower)


def create_follower_app(common: CommonSettings, own: IntakeSettings) -> FastAPI:
    """The follower process: the consumer, its probes and its metrics, nothing else."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        plumbing = await Plumbing.start(
            common,
            client_id="minhu-intake-follower",
            probe_topic=Topic.RECEIVED,
            database=own.database,
            migrate=migration(app),
        )
        follow(plumbing)
        app.state.checks = plumbing.checks()
        try:
            yield
        finally:
            await plumbing.stop()

    app = FastAPI(title="Minhu intake follower", version="1", lifespan=lifespan)
    install_security(app, common)
    add_ops_routes(app, lambda: app.state.checks)
    return app


if __name__ == "__main__":
    common, own = CommonSettings(), IntakeSettings()
    run_service(
        "intake",
        common,
        port=own.follower_port,
        app=lambda: create_follower_app(common, own),
        database=(own.database, store.metadata),
        own=own,
    )

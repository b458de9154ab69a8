"""Start intake: wait for the database, migrate, serve."""

from services.common.runtime import run_service
from services.common.settings import CommonSettings
from services.intake import store
from services.intake.app import create_app
from services.intake.settings import IntakeSettings

if __name__ == "__main__":
    common, own = CommonSettings(), IntakeSettings()
    run_service(
        "intake",
        common,
        port=own.port,
        app=lambda: create_app(common, own),
        database=(own.database, store.metadata),
        own=own,
    )

"""Start dispatch: wait for the database, migrate, serve and consume."""

from services.common.runtime import run_service
from services.common.settings import CommonSettings
from services.dispatch import store
from services.dispatch.app import create_app
from services.dispatch.settings import DispatchSettings

if __name__ == "__main__":
    common, own = CommonSettings(), DispatchSettings()
    run_service(
        "dispatch",
        common,
        port=own.port,
        app=lambda: create_app(common, own),
        database=(own.database, store.metadata),
        own=own,
    )

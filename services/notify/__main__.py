"""Start notify: wait for the database, migrate, serve and consume case events."""

from services.common.runtime import run_service
from services.common.settings import CommonSettings
from services.notify import store
from services.notify.app import create_app
from services.notify.settings import NotifySettings

if __name__ == "__main__":
    common, own = CommonSettings(), NotifySettings()
    run_service(
        "notify",
        common,
        port=own.port,
        app=lambda: create_app(common, own),
        database=(own.database, store.metadata),
        own=own,
    )

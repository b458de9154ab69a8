"""Start the desk: wait for the database, migrate, serve and consume."""

from services.common.runtime import run_service
from services.common.settings import CommonSettings
from services.desk.app import create_app
from services.desk.settings import DeskSettings
from services.desk.tables import metadata

if __name__ == "__main__":
    common, own = CommonSettings(), DeskSettings()
    run_service(
        "desk",
        common,
        port=own.port,
        app=lambda: create_app(common, own),
        database=(own.database, metadata),
        own=own,
    )

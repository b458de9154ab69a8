"""Start sla: serve the API, run the Temporal worker, consume case.dispatched."""

from services.common.runtime import run_service
from services.common.settings import CommonSettings
from services.sla.app import create_app
from services.sla.settings import SlaSettings

if __name__ == "__main__":
    common, own = CommonSettings(), SlaSettings()
    run_service("sla", common, port=own.port, app=lambda: create_app(common, own), own=own)

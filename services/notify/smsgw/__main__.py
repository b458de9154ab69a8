"""Run the SMS gateway simulator: python -m services.notify.smsgw (MINHU_SMSGW_PORT)."""

import os

import uvicorn

from services.notify.smsgw.app import create_app

if __name__ == "__main__":
    port = int(os.environ.get("MINHU_SMSGW_PORT", "8005"))
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")

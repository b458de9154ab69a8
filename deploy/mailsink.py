#!/usr/bin/env python3
"""The local profiles' SMTP sink: accepts every message on loopback and keeps it as a file
(var/<profile>/mail/*.eml), so what Alertmanager mails the supervision centre can be read.
Usage: mailsink.py PORT DIR. Production sends through the city's own mail relay instead."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Keep:
    """aiosmtpd handler writing each accepted message to a file of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}"
        tmp = self.folder / f".{name}.tmp"  # renamed when whole: readers never see half
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(self.folder / f"{name}.eml")
        return "250 OK"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

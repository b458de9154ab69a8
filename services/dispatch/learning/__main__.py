"""Train, evaluate, promote and roll back dispatch's topic model (make train runs `train`).

    python -m services.dispatch.learning train              # a new version from the history
    python -m services.dispatch.learning list
    python -m services.dispatch.learning evaluate v0002     # its shadow figures
    python -m services.dispatch.learning promote v0002 --by admin [--force]
    python -m services.dispatch.learning rollback --by admin

Needs the stack's settings (database, desk address, MINHU_DISPATCH_MODEL_DIR); the service
picks a promotion up within seconds, without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from services.common.db import command_sessions
from services.common.settings import CommonSettings
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.learning import centre
from services.dispatch.learning.versions import ModelStore, VersionError
from services.dispatch.settings import DispatchSettings


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


async def _with_db(common: CommonSettings, own: DispatchSettings, work: Any) -> Any:
    async with command_sessions(common.database_url(own.database)) as sessions:
        return await work(sessions)


def summary(meta: dict[str, Any]) -> dict[str, Any]:
    """A version's metadata without the long list of case numbers."""
    return {k: v for k, v in meta.items() if k != "centre_cases"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.dispatch.learning")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("train", help="train a new version on the corpus and the centre's history")
    sub.add_parser("list", help="versions, the promoted one and the candidate in shadow")
    ev = sub.add_parser("evaluate", help="score a version's shadow topics")
    ev.add_argument("version")
    pr = sub.add_parser("promote", help="make a version the one dispatch uses")
    pr.add_argument("version")
    pr.add_argument("--by", required=True, help="who promotes (recorded in the log)")
    pr.add_argument("--force", action="store_true", help="promote without a passing evaluation")
    rb = sub.add_parser("rollback", help="go back to the previously promoted version")
    rb.add_argument("--by", required=True)
    args = parser.parse_args(argv)

    common, own = CommonSettings(), DispatchSettings()
    if own.model_dir is None:
        print("MINHU_DISPATCH_MODEL_DIR is not set: no model directory to work on", file=sys.stderr)
        return 2
    store = ModelStore(own.model_dir)
    try:
        if args.command == "train":
            classifier = HybridClassifier.load(own.lexicon_file)
            _print(
                asyncio.run(
                    _with_db(
                        common, own, lambda s: centre.train_version(s, common, classifier, store)
                    )
                )
            )
        elif args.command == "list":
            _print(
                {
                    "promoted": store.promoted(),
                    "candidate": store.candidate(),
                    "versions": [summary(store.meta(v)) for v in store.versions()],
                }
            )
        elif args.command == "evaluate":
            _print(
                asyncio.run(
                    _with_db(
                        common,
                        own,
                        lambda s: centre.evaluate_version(s, common, store, args.version),
                    )
                )
            )
        elif args.command == "promote":
            centre.promote(store, args.version, by=args.by, force=args.force)
            _print({"promoted": store.promoted()})
        else:
            _print({"promoted": store.rollback(by=args.by)})
    except VersionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Training, evaluation and promotion with the centre's history (used by the API and CLI).

Corrections come from dispatch's own database; closed cases with their final topic and
difficulty from the desk's record (`GET /v1/training/closed`, as the dispatch service).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from services.common.settings import CommonSettings
from services.dispatch import store as db
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.domain.textmodel import load_corpus
from services.dispatch.learning.history import centre_examples, corpus_examples
from services.dispatch.learning.shadow import evaluate, promotion_refusal
from services.dispatch.learning.training import train
from services.dispatch.learning.versions import ModelStore, VersionError

CLOSED_LIMIT = 20000
MIN_JUDGED = 20


async def closed_cases(
    common: CommonSettings, *, limit: int = CLOSED_LIMIT
) -> list[dict[str, Any]]:
    """Closed cases with their final labels, from the desk."""
    async with httpx.AsyncClient(timeout=60, headers=common.service_headers("dispatch")) as http:
        resp = await http.get(
            f"{common.desk_url.rstrip('/')}/v1/training/closed", params={"limit": limit}
        )
        resp.raise_for_status()
        rows: list[dict[str, Any]] = resp.json()
    return rows


async def train_version(
    sessions: Any, common: CommonSettings, classifier: HybridClassifier, store: ModelStore
) -> dict[str, Any]:
    """Train on the corpus and the centre's history, save a version, return its metadata."""
    async with sessions() as session:
        corrections = await db.list_corrections(session)
    closed = await closed_cases(common)
    items = [*corpus_examples(load_corpus()), *centre_examples(corrections, closed)]
    model, meta = await asyncio.to_thread(train, classifier.rules, items)
    version = await asyncio.to_thread(store.save, model, meta)
    return store.meta(version)


async def evaluate_version(
    sessions: Any, common: CommonSettings, store: ModelStore, version: str
) -> dict[str, Any]:
    """Score a version's shadow topics against the cases' final labels; kept in its file."""
    store.meta(version)
    async with sessions() as session:
        rows = await db.list_shadow(session, version=version)
        corrections = await db.list_corrections(session)
    finals = {r["case_no"]: r["topic"] for r in await closed_cases(common)}
    finals.update({r["case_no"]: r["topic"] for r in corrections})
    report = evaluate(rows, finals).to_dict()
    store.update_meta(version, shadow=report)
    return report


def promote(store: ModelStore, version: str, *, by: str, force: bool = False) -> None:
    """Promote a version if its shadow evaluation allows it (or when forced)."""
    refusal = promotion_refusal(store.meta(version).get("shadow"), min_judged=MIN_JUDGED)
    if refusal and not force:
        raise VersionError(refusal)
    store.promote(version, by=by)

"""The models dispatch classifies with: the promoted one, and a candidate in shadow.

Reloaded from the model directory when a version is saved or promoted (every process of a
cluster watches the same directory), so a promotion takes effect without a restart.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field

from services.common.logging import get_logger
from services.dispatch.domain.hybrid import HybridClassifier
from services.dispatch.learning.versions import CORPUS_VERSION, ModelStore

log = get_logger(__name__)
WATCH_SECONDS = 3.0


@dataclass
class LiveModels:
    """The classifier in use (and its version) and the shadow candidate, swapped whole."""

    base: HybridClassifier  # rules, the corpus model and the calibration
    store: ModelStore | None = None
    classifier: HybridClassifier = field(init=False)
    version: str = CORPUS_VERSION
    shadow: HybridClassifier | None = None
    shadow_version: str | None = None
    _stamp: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        self.classifier = self.base

    def refresh(self) -> bool:
        """Load what the directory says is promoted and in shadow; True if anything changed."""
        if self.store is None:
            return False
        stamp = self.store.stamp()
        if stamp == self._stamp:
            return False
        promoted, candidate = self.store.promoted(), self.store.candidate()
        changed = False
        if promoted != self.version:
            self.classifier = self._classifier(promoted)
            log.info("model promoted version loaded", version=promoted, was=self.version)
            self.version, changed = promoted, True
        if candidate != self.shadow_version:
            self.shadow = self._classifier(candidate) if candidate else None
            log.info("model shadow candidate loaded", version=candidate)
            self.shadow_version, changed = candidate, True
        self._stamp = stamp
        return changed

    def _classifier(self, version: str) -> HybridClassifier:
        if version == CORPUS_VERSION or self.store is None:
            return self.base
        return dataclasses.replace(self.base, model=self.store.load(version))

    async def watch(self) -> None:
        """Poll the model directory (a supervised background loop)."""
        while True:
            await asyncio.to_thread(self.refresh)
            await asyncio.sleep(WATCH_SECONDS)

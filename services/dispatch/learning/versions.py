"""Model versions on disk, and which one is promoted.

A version is two files in the model directory: `vNNNN.npz` (the fitted topic model's
vocabulary and weights) and `vNNNN.json` (when, from what data — its SHA-256 and counts per
source — its cross-validation figures, the centre's case numbers it learnt from, and its
shadow evaluation once made). `promotions.jsonl` is an append-only log of promotions and
rollbacks; replaying it gives the promoted version. With no promotion the service uses the
model it trains from the shipped corpus at start ("corpus").
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from services.dispatch.domain.textmodel import LinearModel, TextModel

CORPUS_VERSION = "corpus"
_NAME = re.compile(r"^v(\d{4,})$")


class VersionError(ValueError):
    """An unknown version, or a promotion the rules refuse (message in Chinese)."""


@dataclass(frozen=True)
class Promotion:
    at: str
    action: str  # promote | rollback
    version: str
    by: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ModelStore:
    """The model directory: versions, their metadata, the promotion log."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "promotions.jsonl"

    def versions(self) -> list[str]:
        """Every saved version, oldest first."""
        if not self.root.exists():
            return []
        found = [p.stem for p in self.root.glob("v*.json") if _NAME.match(p.stem)]
        return sorted(found, key=lambda v: int(v[1:]))

    def meta(self, version: str) -> dict[str, Any]:
        """A version's metadata; VersionError if there is no such version."""
        path = self.root / f"{version}.json"
        if not _NAME.match(version) or not path.exists():
            raise VersionError(f"没有模型版本 {version}")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def update_meta(self, version: str, **fields: Any) -> dict[str, Any]:
        """Add fields (e.g. the shadow evaluation) to a version's metadata."""
        data = {**self.meta(version), **fields}
        self._write(self.root / f"{version}.json", json.dumps(data, ensure_ascii=False, indent=2))
        return data

    def save(self, model: TextModel, meta: dict[str, Any]) -> str:
        """Write a new version (weights, then metadata last) and return its name."""
        self.root.mkdir(parents=True, exist_ok=True)
        taken = self.versions()
        version = f"v{(int(taken[-1][1:]) if taken else 0) + 1:04d}"
        topic = model.topic
        words = sorted(topic.vocabulary, key=topic.vocabulary.__getitem__)
        tmp = self.root / f".{version}.npz.tmp"
        with tmp.open("wb") as fh:
            np.savez_compressed(
                fh,
                labels=np.array(topic.labels),
                vocabulary=np.array(words),
                idf=topic.idf,
                coef=topic.coef,
                intercept=topic.intercept,
                size=np.array([model.size]),
            )
        os.replace(tmp, self.root / f"{version}.npz")
        full = {"version": version, "created_at": _now(), **meta}
        self._write(self.root / f"{version}.json", json.dumps(full, ensure_ascii=False, indent=2))
        return version

    def load(self, version: str) -> TextModel:
        """The fitted model of a saved version."""
        self.meta(version)
        with np.load(self.root / f"{version}.npz", allow_pickle=False) as data:
            words = [str(w) for w in data["vocabulary"]]
            topic = LinearModel(
                labels=tuple(str(x) for x in data["labels"]),
                vocabulary={w: i for i, w in enumerate(words)},
                idf=np.asarray(data["idf"], dtype=np.float64),
                coef=np.ascontiguousarray(data["coef"], dtype=np.float64),
                intercept=np.asarray(data["intercept"], dtype=np.float64),
            )
            size = int(data["size"][0])
        return TextModel(topic=topic, size=size)

    def promotions(self) -> list[Promotion]:
        """The promotion log, oldest first."""
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [Promotion(**json.loads(line)) for line in lines if line.strip()]

    def promoted(self) -> str:
        """The promoted version (replaying the log), or "corpus" if none."""
        stack: list[str] = []
        for p in self.promotions():
            if p.action == "promote":
                stack.append(p.version)
            elif stack:
                stack.pop()
        return stack[-1] if stack else CORPUS_VERSION

    def candidate(self) -> str | None:
        """The newest version saved after the promoted one (it runs in shadow), if any."""
        current = self.promoted()
        newer = [
            v for v in self.versions() if current == CORPUS_VERSION or int(v[1:]) > int(current[1:])
        ]
        return newer[-1] if newer else None

    def promote(self, version: str, *, by: str) -> None:
        """Make a saved version the one dispatch uses."""
        self.meta(version)
        if version == self.promoted():
            raise VersionError(f"模型版本 {version} 已在使用中")
        self._append(Promotion(_now(), "promote", version, by))

    def rollback(self, *, by: str) -> str:
        """Go back to the version promoted before the current one; returns it."""
        current = self.promoted()
        if current == CORPUS_VERSION:
            raise VersionError("当前使用的是随服务发布的语料模型，没有可回退的版本")
        self._append(Promotion(_now(), "rollback", current, by))
        return self.promoted()

    def stamp(self) -> tuple[float, float]:
        """Changes when a version is saved or the log grows (the service watches it)."""
        log = self.log.stat().st_mtime if self.log.exists() else 0.0
        root = self.root.stat().st_mtime if self.root.exists() else 0.0
        return log, root

    def _append(self, p: Promotion) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(p.__dict__, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    @staticmethod
    def _write(path: Path, text: str) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

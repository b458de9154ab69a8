"""Confidence a dispatcher can trust: the rules+model mix's top share mapped to the chance
that the topic is right, and the manual-queue threshold read off a coverage/accuracy curve.

The map is Platt scaling (a logistic curve over the raw share) fitted on out-of-fold
predictions of the own corpus: each corpus case is classified by a model that never saw
it. Platt rather than isotonic: the corpus folds hold only a few dozen wrong answers, too
few for a step function to be more than noise, and two parameters cannot overfit them.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.dispatch.domain.textmodel import CORPUS_DIR, Example

DEFAULT_PATH = CORPUS_DIR / "calibration.yaml"


class CalibrationError(ValueError):
    """The calibration file is malformed."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """P(topic right | raw share) = 1 / (1 + exp(-(slope * share + intercept)))."""

    slope: float
    intercept: float
    fingerprint: str = ""

    def probability(self, share: float) -> float:
        """Calibrated probability that a topic with this raw mix share is right."""
        z = self.slope * share + self.intercept
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    @classmethod
    def fit(
        cls, shares: Sequence[float], correct: Sequence[bool], fingerprint: str = ""
    ) -> Calibration:
        """Platt scaling: a logistic regression of correctness on the raw share."""
        from sklearn.linear_model import LogisticRegression

        if len(shares) != len(correct) or not shares:
            raise CalibrationError("need as many correctness flags as shares, at least one")
        if all(correct) or not any(correct):
            raise CalibrationError("need both right and wrong answers to calibrate")
        # Platt's targets keep the fit finite when the classes separate cleanly.
        n_right = sum(correct)
        n_wrong = len(correct) - n_right
        hi, lo = (n_right + 1) / (n_right + 2), 1 / (n_wrong + 2)
        x = [[s] for s in shares] * 2
        y = [1] * len(shares) + [0] * len(shares)
        w = [hi if c else lo for c in correct] + [1 - hi if c else 1 - lo for c in correct]
        model = LogisticRegression(C=1e6, max_iter=1000)
        model.fit(x, y, sample_weight=w)
        return cls(
            slope=float(model.coef_[0][0]),
            intercept=float(model.intercept_[0]),
            fingerprint=fingerprint,
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields as written to the calibration file."""
        return {
            "slope": round(self.slope, 6),
            "intercept": round(self.intercept, 6),
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Calibration:
        """Read the fields written by to_dict, checking them."""
        if not isinstance(data, dict):
            raise CalibrationError("calibration must be a mapping")
        try:
            slope, intercept = float(data["slope"]), float(data["intercept"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"calibration needs numeric slope and intercept: {exc}") from exc
        if slope <= 0:
            raise CalibrationError("calibration slope must be positive (more share, more trust)")
        return cls(slope, intercept, str(data.get("fingerprint", "")))

    @classmethod
    def from_file(cls, path: Path | None = None) -> Calibration:
        """Load the calibration the corpus bench wrote (default: model/calibration.yaml)."""
        path = path or DEFAULT_PATH
        return cls.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Dispatching automatically every case at or above `threshold`."""

    threshold: float
    coverage: float  # share of cases dispatched automatically
    accuracy: float  # topic accuracy of those cases


def coverage_curve(confidences: Sequence[float], correct: Sequence[bool]) -> list[CurvePoint]:
    """One point per distinct confidence, highest threshold first.

    Accuracy at a threshold is that of the cases at or above it; coverage is their share.
    """
    if len(confidences) != len(correct):
        raise ValueError("need one correctness flag per confidence")
    pairs = sorted(zip(confidences, correct, strict=True), key=lambda p: -p[0])
    points: list[CurvePoint] = []
    right = 0
    for i, (conf, ok) in enumerate(pairs, 1):
        right += ok
        if i < len(pairs) and pairs[i][0] == conf:
            continue  # ties go in together: a threshold cannot split them
        points.append(CurvePoint(conf, i / len(pairs), right / i))
    return points


def choose_threshold(
    confidences: Sequence[float], correct: Sequence[bool], *, target_accuracy: float
) -> CurvePoint:
    """The lowest threshold whose automatically dispatched cases reach the target accuracy.

    Lowest threshold = most cases dispatched without a person. When no threshold reaches
    the target, the point of highest accuracy is returned (ties: the larger coverage).
    """
    curve = coverage_curve(confidences, correct)
    if not curve:
        raise ValueError("no cases to choose a threshold from")
    reaching = [p for p in curve if p.accuracy >= target_accuracy]
    if reaching:
        return min(reaching, key=lambda p: p.threshold)
    return max(curve, key=lambda p: (p.accuracy, p.coverage))


def choose_threshold_by_cost(
    confidences: Sequence[float], correct: Sequence[bool], *, misroute_cost: float
) -> CurvePoint:
    """The threshold that does most good: each right automatic dispatch saves a dispatcher
    one case, each wrong one costs `misroute_cost` times that (the wrong unit's time, the
    bounce, the dispatcher's work after all, the citizen's wait).

    With calibrated confidences this lands near misroute_cost / (1 + misroute_cost); ties
    go to the higher threshold.
    """
    curve = coverage_curve(confidences, correct)
    if not curve:
        raise ValueError("no cases to choose a threshold from")
    n = len(confidences)

    def net(point: CurvePoint) -> float:
        auto = point.coverage * n
        return auto * point.accuracy - misroute_cost * auto * (1 - point.accuracy)

    return max(curve, key=lambda p: (round(net(p), 9), p.threshold))


def stratified_folds(examples: Sequence[Example], k: int, seed: int = 0) -> list[list[int]]:
    """Fold indices with each topic spread evenly over the k folds."""
    by_topic: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_topic[e.topic].append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for topic in sorted(by_topic):
        idx = by_topic[topic]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % k].append(i)
    return out


def fingerprint(paths: Iterable[Path], settings: str) -> str:
    """Digest of the files and settings a calibration was fitted on (stale when it changes)."""
    digest = hashlib.sha256(settings.encode())
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]

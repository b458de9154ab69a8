import random

import pytest
import yaml

from services.dispatch.domain import RoutingPolicy
from services.dispatch.domain.calibration import (
    Calibration,
    CalibrationError,
    choose_threshold,
    choose_threshold_by_cost,
    coverage_curve,
)
from services.dispatch.domain.classify import Classifier
from services.dispatch.domain.hybrid import out_of_fold, shipped_fingerprint
from services.dispatch.domain.routing import DEFAULT_PATH as ROUTING_PATH
from services.dispatch.domain.textmodel import load_corpus


def _synthetic(n: int, seed: int = 1) -> tuple[list[float], list[bool]]:
    """Shares whose chance of being right is the share itself: a calibrated source."""
    rng = random.Random(seed)
    shares = [rng.random() for _ in range(n)]
    return shares, [rng.random() < s for s in shares]


def test_platt_scaling_recovers_how_often_a_share_is_right() -> None:
    shares, right = _synthetic(4000)

    calibration = Calibration.fit(shares, right)

    assert (
        calibration.probability(0.9) > calibration.probability(0.5) > calibration.probability(0.1)
    )
    for lo, hi in ((0.0, 0.3), (0.35, 0.65), (0.7, 1.0)):
        bucket = [(s, ok) for s, ok in zip(shares, right, strict=True) if lo <= s < hi]
        observed = sum(ok for _, ok in bucket) / len(bucket)
        predicted = sum(calibration.probability(s) for s, _ in bucket) / len(bucket)
        assert predicted == pytest.approx(observed, abs=0.05)


def test_calibration_needs_right_and_wrong_answers() -> None:
    with pytest.raises(CalibrationError):
        Calibration.fit([0.2, 0.9], [True, True])


def test_a_calibration_that_trusts_less_share_more_is_refused() -> None:
    with pytest.raises(CalibrationError, match="slope"):
        Calibration.from_dict({"slope": -1.0, "intercept": 0.0})
    with pytest.raises(CalibrationError):
        Calibration.from_dict({"intercept": 0.0})


def test_the_curve_counts_the_cases_at_or_above_each_threshold() -> None:
    curve = coverage_curve([0.9, 0.8, 0.8, 0.4], [True, True, False, False])

    assert [(p.threshold, p.coverage, p.accuracy) for p in curve] == [
        (0.9, 0.25, 1.0),
        (0.8, 0.75, pytest.approx(2 / 3)),  # the tied 0.8s come in together
        (0.4, 1.0, 0.5),
    ]


def test_the_threshold_is_the_lowest_that_keeps_the_automatic_share_accurate() -> None:
    confidences = [0.95, 0.9, 0.85, 0.7, 0.6, 0.5, 0.3]
    correct = [True, True, True, True, False, True, False]

    chosen = choose_threshold(confidences, correct, target_accuracy=0.8)

    # at 0.5 six cases go automatically, five right (0.83); at 0.3 it would be 5/7
    assert chosen.threshold == 0.5
    assert chosen.coverage == pytest.approx(6 / 7)


def test_an_unreachable_target_falls_back_to_the_most_accurate_point() -> None:
    chosen = choose_threshold([0.9, 0.8, 0.7], [False, True, True], target_accuracy=0.99)

    assert chosen.threshold == 0.7 and chosen.accuracy == pytest.approx(2 / 3)


def test_the_costlier_a_misroute_the_more_goes_to_people() -> None:
    shares, right = _synthetic(4000, seed=2)
    calibration = Calibration.fit(shares, right)
    confidences = [calibration.probability(s) for s in shares]

    cheap = choose_threshold_by_cost(confidences, right, misroute_cost=1)
    dear = choose_threshold_by_cost(confidences, right, misroute_cost=3)

    # calibrated: dispatch automatically when p > cost / (1 + cost)
    assert cheap.threshold == pytest.approx(0.5, abs=0.08)
    assert dear.threshold == pytest.approx(0.75, abs=0.08)
    assert dear.coverage < cheap.coverage and dear.accuracy > cheap.accuracy


def test_the_cost_choice_counts_what_each_threshold_gains_and_loses() -> None:
    confidences = [0.9, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, False, True, False]

    # net at 0.9: 1; 0.8: 2; 0.7: 2 - 2 = 0; 0.6: 3 - 2 = 1; 0.5: 3 - 4 = -1 (cost 2)
    assert choose_threshold_by_cost(confidences, correct, misroute_cost=2).threshold == 0.8
    # cost 0.5: 0.6 nets 3 - 0.5 = 2.5, the most
    assert choose_threshold_by_cost(confidences, correct, misroute_cost=0.5).threshold == 0.6


def test_the_shipped_calibration_was_fitted_on_the_shipped_corpus_and_lexicon() -> None:
    # Stale after any change to the corpus, the lexicon or the model settings: refit with
    # bench/dispatch_corpus_cv.py --write-calibration.
    assert Calibration.from_file().fingerprint == shipped_fingerprint()


@pytest.fixture(scope="module")
def folds() -> tuple[list[float], list[bool]]:
    results = out_of_fold(Classifier.from_file(), load_corpus())
    calibration = Calibration.from_file()
    return (
        [calibration.probability(r.share) for r in results],
        [r.gold == r.predicted for r in results],
    )


def test_the_policy_threshold_is_the_one_the_corpus_curve_gives(
    folds: tuple[list[float], list[bool]],
) -> None:
    confidences, correct = folds
    cost = float(yaml.safe_load(ROUTING_PATH.read_text(encoding="utf-8"))["manual_misroute_cost"])
    shipped = RoutingPolicy.from_file().manual_below_confidence

    chosen = choose_threshold_by_cost(confidences, correct, misroute_cost=cost)

    assert shipped == pytest.approx(chosen.threshold, abs=0.02)


def test_calibrated_confidence_matches_accuracy_on_the_folds(
    folds: tuple[list[float], list[bool]],
) -> None:
    confidences, correct = folds

    assert sum(confidences) / len(confidences) == pytest.approx(
        sum(correct) / len(correct), abs=0.02
    )

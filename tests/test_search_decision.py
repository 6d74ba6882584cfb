"""The decision model: its data file, its probabilities, and how they are measured."""

from __future__ import annotations

import json

import pytest

from polbot.search.decision import DecisionModel, Evidence, Logistic, default_model
from polbot.search.evaluation import Report

EVIDENCE = Evidence(0.6, 0.5, 0.8, 0.3, 0.7, 0.2, 0.9, 0.9, 0.5)


def test_the_shipped_model_gives_probabilities() -> None:
    model = default_model()
    assert 0.0 < model.probability(EVIDENCE) < 1.0
    worse = Evidence(0.6, 0.5, 0.8, 0.3, 0.7, -0.2, 0.9, 0.9, 0.5)  # another page leads
    assert model.probability(worse) < model.probability(EVIDENCE)


def test_the_probability_is_scope_times_page() -> None:
    scope = Logistic(0.0, {})  # 0.5
    page = Logistic(0.0, {"margin": 10.0})
    model = DecisionModel(scope, page)
    assert model.probability(EVIDENCE) == pytest.approx(0.5 * page.probability(EVIDENCE))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"page": {"intercept": 0, "coefficients": {}}}, "scope: expected"),
        (
            {
                "scope": {"intercept": 0, "coefficients": {"nonsense": 1}},
                "page": {"intercept": 0, "coefficients": {}},
            },
            "scope.coefficients: unknown features ['nonsense']",
        ),
    ],
)
def test_a_broken_model_file_is_refused_with_where(data, message) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        DecisionModel.from_dict(json.loads(json.dumps(data)))


def test_the_reliability_table_and_calibration_error() -> None:
    report = Report(calibration=[(0.95, True), (0.9, True), (0.85, False), (0.15, False)])
    rows = report.reliability()
    assert [(low, count) for low, _, _, count in rows] == [(0.1, 1), (0.8, 1), (0.9, 2)]
    # |0.925 - 1| x 2 + |0.85 - 0| x 1 + |0.15 - 0| x 1, over 4 questions.
    assert report.calibration_error == pytest.approx((0.075 * 2 + 0.85 + 0.15) / 4)

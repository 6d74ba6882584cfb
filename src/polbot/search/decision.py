"""The decision on top of the ranking: how likely is it that a page answers the message?

Two small logistic regressions over the ranking's :class:`Evidence`, multiplied:

- *scope*: the probability that the handbook covers the message at all, from how much of
  it the handbook knows and how the message asks (a fact, a text to write, an opinion);
- *page*: the probability that this page is the one, given that the handbook covers the
  message, from how far the page is ahead of the others and how well it matches.

Their product is the probability that the page answers the message (a page can only answer
a message the handbook covers). Both are fit on labelled questions the project owns (the
example questions left out one at a time, the own question sets, the development sets) by
``scripts/fit_decision.py``, which writes the coefficients to
``polbot/search/data/decision.json``; reading that file is all that happens at run time.
The engine answers with the most probable page when its probability reaches
:attr:`Policy.answer_at <polbot.search.tuning.Policy>`, straight away from
:attr:`Policy.direct_at <polbot.search.tuning.Policy>`.

>>> half = Logistic(intercept=-2.0, coefficients={"relevance": 4.0})
>>> model = DecisionModel(scope=half, page=Logistic(intercept=10.0, coefficients={}))
>>> round(model.probability(Evidence(0.5, 0, 0, 0, 0, 0, 1, 1, 0)), 2)
0.5
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the ranking knows about one page for one reading of a message: the decision's
    features. Every measure lies in 0..1 except ``margin`` (-1..1)."""

    relevance: float
    """The weighted mean of the four measures below."""
    example: float
    """How well the page's nearest example question and the message cover each other."""
    coverage: float
    """The share of the message's IDF mass that the page's text holds."""
    title: float
    """The share of it that the page's title holds."""
    bm25: float
    """The BM25F score over the message's IDF mass."""
    margin: float
    """The relevance minus that of the best other page: above 0 only for the top page."""
    known_share: float
    """The share of the message's informative words that the handbook knows."""
    specific: float
    """How much topic the message names: its IDF mass m of topic words as m / (m + 0.5)."""
    topical: float
    """How much the message speaks the handbook's language: words that most pages use but
    everyday Dutch does not ("polarisatie", "spanningen"), t of them as 1 - e^-t."""
    asked_known_share: float = 1.0
    """The known share of the sentences that ask, without their context."""
    unknown: float = 0.0
    """How telling the most informative unknown word of the asking sentences is (0..1)."""
    fact: float = 0.0
    """1 when the question asks for a fact (a number, a date, a phone number), else 0."""
    task: float = 0.0
    """1 when it asks for a text to be written."""
    opinion: float = 0.0
    """1 when it asks for an opinion."""


def features(evidence: Evidence) -> dict[str, float]:
    """The model's inputs: the evidence, and the products a linear model cannot form."""
    values = asdict(evidence)
    values["confidence"] = evidence.relevance * evidence.known_share * evidence.specific
    values["lead"] = max(evidence.margin, 0.0) / max(evidence.relevance, 1e-9)
    for name in (
        "relevance",
        "coverage",
        "known_share",
        "asked_known_share",
        "specific",
        "example",
        "confidence",
    ):
        values[f"log_{name}"] = math.log(max(values[name], 0.01))
    values["log_lead"] = math.log(max(values["lead"], 0.01))
    return values


@dataclass(frozen=True)
class Logistic:
    """One logistic regression over :func:`features`."""

    intercept: float
    coefficients: Mapping[str, float]

    def probability(self, values: Mapping[str, float]) -> float:
        logit = self.intercept + sum(w * values[name] for name, w in self.coefficients.items())
        if logit < -30.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-logit))

    @classmethod
    def from_dict(cls, data: object, where: str) -> Logistic:
        if not isinstance(data, Mapping) or not isinstance(data.get("coefficients"), Mapping):
            raise ValueError(f"{where}: expected intercept and coefficients")
        coefficients = data["coefficients"]
        unknown = set(coefficients) - FEATURE_NAMES
        if unknown:
            raise ValueError(f"{where}.coefficients: unknown features {sorted(unknown)}")
        return cls(float(data["intercept"]), {str(k): float(v) for k, v in coefficients.items()})

    def to_dict(self) -> dict[str, object]:
        return {"intercept": self.intercept, "coefficients": dict(self.coefficients)}


@dataclass(frozen=True)
class DecisionModel:
    """The probability that a page answers: P(in scope) x P(this page | in scope)."""

    scope: Logistic
    page: Logistic

    def probability(self, evidence: Evidence) -> float:
        """The probability that the page of ``evidence`` answers the message."""
        values = features(evidence)
        return self.scope.probability(values) * self.page.probability(values)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DecisionModel:
        return cls(
            Logistic.from_dict(data.get("scope"), "scope"),
            Logistic.from_dict(data.get("page"), "page"),
        )


@lru_cache(maxsize=1)
def default_model() -> DecisionModel:
    """The bundled model, ``polbot/search/data/decision.json``."""
    text = resources.files("polbot.search").joinpath("data", "decision.json").read_text("utf-8")
    return DecisionModel.from_dict(json.loads(text))


FEATURE_NAMES = frozenset(features(Evidence(*(0.0 for _ in fields(Evidence)))))

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from operator import attrgetter


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
    brevity: float = 1.0
    """1 / the number of topic words: in a short question an unknown word is much of it."""
    place: float = 0.0
    """1 when a sentence that asks names a town or district: a local fact, most often."""
    sense: float = 0.0
    """1 when the message speaks of polarisation in another sense (light, a camera filter)."""
    it: float = 0.0
    """1 when it is about computers and office software (a laptop, Teams, a password)."""
    fact: float = 0.0
    """1 when the question asks for a fact (a number, a date, a phone number), else 0."""
    task: float = 0.0
    """1 when it asks for a text to be written."""
    opinion: float = 0.0
    """1 when it asks for an opinion."""


_EVIDENCE = tuple(field.name for field in fields(Evidence))


def _log(value: float) -> float:
    return math.log(max(value, 0.01))


def _confidence(e: Evidence) -> float:
    return e.relevance * e.known_share * e.specific


def _lead(e: Evidence) -> float:
    return max(e.margin, 0.0) / max(e.relevance, 1e-9)


# The inputs a model may use: the evidence, logarithms (a product of measures is a sum of
# their logarithms), and the combinations a linear model cannot form.
FEATURES: Mapping[str, Callable[[Evidence], float]] = {
    **{name: attrgetter(name) for name in _EVIDENCE},
    "confidence": _confidence,
    "lead": _lead,
    "log_relevance": lambda e: _log(e.relevance),
    "log_coverage": lambda e: _log(e.coverage),
    "log_known_share": lambda e: _log(e.known_share),
    "log_asked_known_share": lambda e: _log(e.asked_known_share),
    "log_specific": lambda e: _log(e.specific),
    "log_example": lambda e: _log(e.example),
    "log_confidence": lambda e: _log(_confidence(e)),
    "log_lead": lambda e: _log(_lead(e)),
    "short_unknown": lambda e: (1.0 - e.known_share) * e.brevity,
    "short_log_known": lambda e: _log(e.known_share) * e.brevity,
}


def features(evidence: Evidence) -> dict[str, float]:
    """Every input a model may use, for ``evidence``."""
    return {name: value(evidence) for name, value in FEATURES.items()}


@dataclass(frozen=True)
class Logistic:
    """One logistic regression over :func:`features`."""

    intercept: float
    coefficients: Mapping[str, float]

    def probability(self, evidence: Evidence) -> float:
        logit = self.intercept
        for name, weight in self.coefficients.items():
            logit += weight * FEATURES[name](evidence)
        if logit < -30.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-logit))

    @classmethod
    def from_dict(cls, data: object, where: str) -> Logistic:
        if not isinstance(data, Mapping) or not isinstance(data.get("coefficients"), Mapping):
            raise ValueError(f"{where}: expected intercept and coefficients")
        coefficients = data["coefficients"]
        unknown = set(coefficients) - set(FEATURES)
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
        return self.scope.probability(evidence) * self.page.probability(evidence)

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

"""Every number the search engine weighs with, in two dataclasses.

:class:`Weights` are the analysis chain's: how much an expansion of a word (a compound part,
a synonym, a typo correction) counts next to the word itself. :class:`Tuning` holds the
ranking's: how the measures of a page's relevance combine, and how a message's context
counts next to its question. The decision on top of the ranking (answer, answer with
alternatives, fallback) is a fitted model, see :mod:`polbot.search.decision`.

The values were measured on the dev sets, the own held-out sets and leave-one-out over the
example questions (``scripts/search_figures.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weights:
    """The weight of each kind of term next to the word as typed (1.0)."""

    # A question word ("wie", "hoe") hints at the kind of answer, not at its topic.
    question_word: float = 0.3
    # A part of a hyphenated word ("learning" of "e-learning").
    hyphen_part: float = 0.8
    # The words an abbreviation stands for ("ivp": integraal veiligheidsplan).
    abbreviation: float = 0.9
    # A typo's correction: nearly the word itself.
    correction: float = 0.9
    # A compound's parts stand in for it ("signaleringsnetwerk": signalering, netwerk). A
    # compound that is itself a common Dutch word the handbook does not use means something
    # of its own ("gemeentehuis" is no "gemeente"): its parts say less.
    compound_part: float = 0.6
    common_compound_part: float = 0.3
    # A synonym counts for less than the word itself: "inspraak" should find the page that
    # says "inspraak" before the one that says "participatie".
    synonym: float = 0.7


WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Tuning:
    """The ranking's weights."""

    # The relevance of a page: a weighted mean of four measures that each lie in 0..1.
    example_weight: float = 0.5
    coverage_weight: float = 0.4
    bm25_weight: float = 0.2
    # The title names a page's topic: a question about that topic leans towards it.
    title_weight: float = 0.15
    # Consecutive words of the question that follow each other in the page too.
    phrase_weight: float = 0.15
    # IDF mass added to both sides of an example match, so that matches on words every
    # page shares stay weak; also the mass at which a question counts as half specific.
    example_smoothing: float = 0.5
    # A known word's mass is its IDF among the pages times known_prior + (1 - known_prior)
    # x its informativeness: with 19 pages the IDF alone is noisy, and an everyday word that
    # one page happens to use ("betekent") should not outweigh the topic.
    known_prior: float = 0.6
    # How informative a word is, from its general Dutch frequency (Zipf scale): fully at or
    # below rare_zipf, down to min_informativeness at common_zipf. It weighs the words in
    # the known share, and the mass of a word the handbook does not know.
    rare_zipf: float = 3.0
    common_zipf: float = 5.5
    min_informativeness: float = 0.1
    # The sentences of a message that set the scene for its question count this much next
    # to the question itself: in the ranking, and in the share of the message the handbook
    # knows (a town's incident, a team's history: context is where everyday words go).
    context_weight: float = 0.8
    context_known_weight: float = 0.4
    # Pages scored exactly per question (the best by BM25F).
    candidates_considered: int = 5

    @property
    def total_weight(self) -> float:
        return (
            self.example_weight
            + self.coverage_weight
            + self.title_weight
            + self.bm25_weight
            + self.phrase_weight
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """When the probability that the top page answers is enough: to answer at all (with
    the other likely pages as alternatives under it), and to answer straight away, which
    needs as well that no other page is nearly as likely (``near`` times as likely)."""

    answer_at: float = 0.28
    direct_at: float = 0.4
    near: float = 0.8

"""Dutch language data and the vocabulary tools built on the knowledge base's own words.

General Dutch data (stop words, stem overrides, compound linking elements) lives in text
files under ``polbot/search/data/``; handbook-specific data (synonyms, abbreviations) in the
knowledge base. :class:`Decompounder` and :class:`SpellingCorrector` work against the
vocabulary of the pages, so they only ever produce words the index knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from polbot.search.analysis import CACHE_SIZE, TOKEN, fold_word, inflections

_PLACE_WORD = TOKEN


def _data_lines(name: str) -> list[str]:
    text = resources.files("polbot.search").joinpath("data", name).read_text("utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


@dataclass(frozen=True)
class DutchData:
    """The general Dutch language data the analysis chain needs."""

    stopwords: frozenset[str]
    question_words: frozenset[str]
    stem_overrides: dict[str, str]
    compound_links: tuple[str, ...]
    places: Mapping[str, tuple[tuple[str, ...], ...]]
    """Dutch place names as folded words ("den", "helder"), by their first word, the
    longest first."""
    locatives: frozenset[str]
    """The prepositions that say where the asker is ("in Tiel", "bij ons in Ede")."""


def _by_first_word(
    phrases: Iterable[tuple[str, ...]],
) -> Mapping[str, tuple[tuple[str, ...], ...]]:
    """The phrases by their first word, the longest first (the longest match wins)."""
    grouped: dict[str, set[tuple[str, ...]]] = {}
    for phrase in phrases:
        if phrase:
            grouped.setdefault(phrase[0], set()).add(phrase)
    return {
        first: tuple(sorted(found, key=lambda p: (-len(p), p))) for first, found in grouped.items()
    }


@lru_cache(maxsize=1)
def dutch() -> DutchData:
    """The bundled Dutch data files, read once."""
    overrides = dict(line.split(None, 1) for line in _data_lines("stem-overrides-nl.txt"))
    return DutchData(
        stopwords=frozenset(_data_lines("stopwords-nl.txt")),
        question_words=frozenset(_data_lines("question-words-nl.txt")),
        stem_overrides={word: stem.strip() for word, stem in overrides.items()},
        compound_links=tuple(_data_lines("compounds-nl.txt")),
        locatives=frozenset(_data_lines("locatives-nl.txt")),
        places=_by_first_word(
            tuple(fold_word(w) for w in _PLACE_WORD.findall(line))
            for line in _data_lines("places-nl.txt")
        ),
    )


@lru_cache(maxsize=1)
def word_frequencies() -> dict[str, float]:
    """General Dutch word frequencies on the Zipf scale (log10 of occurrences per billion
    words: 7 for "de", 3 for "polarisatie"); a word not listed is rarer than about 2.4."""
    frequencies: dict[str, float] = {}
    for line in _data_lines("word-frequencies-nl.txt"):
        zipf, *words = line.split()
        frequencies.update(dict.fromkeys(words, float(zipf)))
    return frequencies


def is_common_word(word: str) -> bool:
    """Whether a word is a frequent Dutch word of five letters or more: a real word, never a
    typo to correct (shorter words are never corrected anyway)."""
    return len(word) >= 5 and word in word_frequencies()


# A word at least this common is an everyday word: a town of that name ("Best", "Groet")
# counts as a place only when it is written with a capital.
EVERYDAY_ZIPF = 4.0


def is_everyday_word(word: str) -> bool:
    """Whether a folded word is among the everyday words of Dutch."""
    return word_frequencies().get(word, 0.0) >= EVERYDAY_ZIPF


# A word not listed that is a typo of a word at least this common counts as that word;
# the typos of rarer words matter little (a rare word is informative either way).
TYPO_MIN_ZIPF = 3.5


@lru_cache(maxsize=CACHE_SIZE)
def family_frequency(word: str) -> float | None:
    """How common a word's family is (Zipf scale): that of its most frequent form (the word
    itself, or another inflection: "uitkom" is as common as "uitkomen"); for a word with no
    listed form, that of the common word it is a typo of ("roesultaten"); ``None`` for a
    rare word, a name or garbage."""
    frequencies = word_frequencies()
    found = [frequencies[form] for form in (word, *inflections(word)) if form in frequencies]
    if found:
        return max(found)
    intended = common_word_corrector()(word)
    return None if intended is None else frequencies[intended]


@lru_cache(maxsize=1)
def common_word_corrector() -> SpellingCorrector:
    """Corrects a typo to a common Dutch word (Zipf :data:`TYPO_MIN_ZIPF` and up) with the
    same first letter."""
    frequencies = word_frequencies()
    common = sorted(
        (w for w, z in frequencies.items() if z >= TYPO_MIN_ZIPF), key=frequencies.__getitem__
    )
    return SpellingCorrector(reversed(common), same_start=True)


def informativeness(word: str, rare: float, common: float, floor: float) -> float:
    """How much a word says about what a question is about, from how common its family is in
    Dutch: 1 for a word at most ``rare`` on the Zipf scale (or not listed: rare, a name or a
    typo), falling linearly to ``floor`` for a word at least ``common``.

    >>> [round(informativeness(w, 3.0, 6.0, 0.1), 2) for w in ("uittreksel", "vandaag")]
    [1.0, 0.19]
    """
    zipf = family_frequency(word)
    if zipf is None or zipf <= rare:
        return 1.0
    share = min(1.0, (zipf - rare) / (common - rare))
    return 1.0 - share * (1.0 - floor)


# Compound parts shorter than this are too likely to match by accident ("pol" in
# "polarisatie", "her" in "herkennen").
MIN_MODIFIER = 4
MIN_HEAD = 4


class Decompounder:
    """Splits a Dutch compound into parts known to the vocabulary.

    ``known(part)`` says whether the index knows a part (as a word or via its stem). A split
    is accepted when it covers the whole word with linking elements between parts and at
    least one of two parts is known (a longer split needs every part known); among the
    splits, the one with the fewest parts, then the most known letters, wins. Only the
    known parts are returned: an unknown part says nothing the index can use.

    >>> known = {"signalering", "netwerk", "risico", "analyse"}.__contains__
    >>> Decompounder(known, ("s", "e", "en"))("signaleringsnetwerk")
    ('signalering', 'netwerk')
    >>> Decompounder(known, ("s", "e", "en"))("risicoanalyse")
    ('risico', 'analyse')
    >>> Decompounder(known, ("s", "e", "en"))("buurtnetwerk")
    ('netwerk',)
    """

    def __init__(self, known: Callable[[str], bool], links: Iterable[str]) -> None:
        self._known = known
        self._links = ("", *links)
        self._parts = lru_cache(maxsize=CACHE_SIZE)(self._uncached)

    def __call__(self, word: str) -> tuple[str, ...]:
        return self._parts(word)

    def _uncached(self, word: str) -> tuple[str, ...]:
        if not word.isalpha() or len(word) < MIN_MODIFIER + MIN_HEAD:
            return ()
        best = self._split(word, depth=0)
        return () if best is None else tuple(p for p in best if self._known(p))

    def _split(self, word: str, depth: int) -> tuple[str, ...] | None:
        """The best split of ``word`` into at least two parts, or ``None``."""
        best: tuple[str, ...] | None = None
        best_key: tuple[int, int] | None = None
        for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
            left = word[:cut]
            left_known = self._known(left)
            if not left_known and depth:
                continue
            for link in self._links:
                right = word[cut:]
                if link and not right.startswith(link):
                    continue
                right = right[len(link) :]
                if len(right) < MIN_HEAD:
                    continue
                candidate: tuple[str, ...] | None = None
                if self._known(right):
                    candidate = (left, right)
                elif left_known and depth < 2:
                    tail = self._split(right, depth + 1)
                    candidate = (left, *tail) if tail else None
                    if candidate is None and not depth:
                        candidate = (left, right)
                if candidate is None:
                    continue
                known_letters = sum(len(p) for p in candidate if self._known(p))
                key = (-len(candidate), known_letters)
                if best_key is None or key > best_key:
                    best, best_key = candidate, key
        return best


def max_typo_distance(word: str) -> int:
    """How many edits a word of this length may be off: none under 5 letters, so that
    short words are never "corrected" into others; 1 up to 7 letters; 2 above.

    >>> [max_typo_distance(w) for w in ("rol", "kennis", "traningen")]
    [0, 1, 2]
    """
    if len(word) < 5:
        return 0
    return 1 if len(word) <= 7 else 2


class SpellingCorrector:
    """Corrects a word to the nearest vocabulary word within :func:`max_typo_distance`.

    Uses optimal string alignment distance (a swap of two letters is one edit). Ties go to
    the word listed first, so pass the vocabulary most frequent first. Answers are cached.

    >>> SpellingCorrector(["trainingen", "training"])("traningen")
    'trainingen'
    >>> SpellingCorrector(["rol"])("rel") is None
    True

    With ``same_start`` only words with the same first letter are candidates: typos rarely
    hit the first letter, and a large vocabulary is searched many times faster.
    """

    def __init__(self, vocabulary: Iterable[str], *, same_start: bool = False) -> None:
        self._same_start = same_start
        self._by_length: dict[tuple[str, int], list[str]] = {}
        for word in dict.fromkeys(vocabulary):
            key = (word[:1] if same_start else "", len(word))
            self._by_length.setdefault(key, []).append(word)
        self.nearest = lru_cache(maxsize=CACHE_SIZE)(self._nearest)
        """The correction with its distance, or ``None``."""

    def __call__(self, word: str) -> str | None:
        found = self.nearest(word)
        return None if found is None else found[0]

    def _nearest(self, word: str) -> tuple[str, int] | None:
        limit = max_typo_distance(word)
        if not limit or not word.replace("-", "").isalpha():
            return None  # a hyphenated word may be misspelt ("e-learing"), a number not
        start = word[:1] if self._same_start else ""
        best: tuple[str, int] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            choices = self._by_length.get((start, length))
            if not choices:
                continue
            found = extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
            if found is not None and (best is None or found[1] < best[1]):
                best = (found[0], found[1])
        return best

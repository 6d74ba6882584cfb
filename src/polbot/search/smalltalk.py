"""Recognising smalltalk (greetings, thanks, goodbyes) from the knowledge base's examples.

Smalltalk is made of the very words the analysis chain drops ("hoe gaat het", "wie ben
jij"), so it is matched on the whole folded message instead: a short message whose words
are nearly those of an example (a typo allowed) is that example's intent.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz
from rapidfuzz.process import extractOne

from polbot.knowledge.model import SmalltalkIntent
from polbot.search.analysis import fold, normalize, tokenize

# Smalltalk is short; a longer message is a question even if it starts with "hallo".
MAX_WORDS = 6
# How similar (rapidfuzz ratio, 0..100) a message must be to an example.
MIN_SIMILARITY = 80


def _key(text: str) -> str:
    return " ".join(t.text for t in fold(tokenize(normalize(text))) if t.weight == 1.0)


class SmalltalkMatcher:
    """Finds the intent whose example a short message matches, with a score 0..1.

    >>> from polbot.knowledge.model import SmalltalkIntent
    >>> thanks = SmalltalkIntent(id="thanks", examples=("dank je wel",), reply="Graag gedaan.")
    >>> SmalltalkMatcher([thanks]).match("Dank je wel!")
    ('thanks', 1.0)
    >>> intent, score = SmalltalkMatcher([thanks]).match("dank je wl")
    >>> intent, round(score, 2)
    ('thanks', 0.95)
    >>> SmalltalkMatcher([thanks]).match("dank je wel voor de training over polarisatie")
    (None, 0.0)
    """

    def __init__(self, intents: Sequence[SmalltalkIntent]) -> None:
        self._order = {intent.id: number for number, intent in enumerate(intents)}
        self._examples: dict[str, str] = {}
        for intent in intents:
            for example in intent.examples:
                self._examples.setdefault(_key(example), intent.id)
        # A typo, not another word: an example matches only a message of as many words
        # ("hoe laat is het" is not "hoe is het").
        self._by_words: dict[int, list[str]] = {}
        for example in self._examples:
            self._by_words.setdefault(example.count(" "), []).append(example)

    def strongest(self, intents: Sequence[str]) -> str | None:
        """Of the intents a message holds ("hoi, bedankt"), the one the knowledge base lists
        last: its intents go from the most general (a greeting) to the most particular.

        >>> from polbot.knowledge.model import SmalltalkIntent
        >>> hi = SmalltalkIntent(id="greeting", examples=("hoi",), reply="Hallo.")
        >>> thanks = SmalltalkIntent(id="thanks", examples=("dank je wel",), reply="Graag.")
        >>> SmalltalkMatcher([hi, thanks]).strongest(["thanks", "greeting"])
        'thanks'
        """
        return max(intents, key=lambda intent: self._order.get(intent, -1), default=None)

    def match(self, text: str) -> tuple[str | None, float]:
        key = _key(text[:200])
        if not key or key.count(" ") >= MAX_WORDS:
            return None, 0.0
        intent = self._examples.get(key)
        if intent is not None:
            return intent, 1.0
        same_length = self._by_words.get(key.count(" "), [])
        found = extractOne(key, same_length, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY)
        if found is None:
            return None, 0.0
        return self._examples[found[0]], found[1] / 100

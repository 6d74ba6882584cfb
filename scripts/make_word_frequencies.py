"""Regenerate src/polbot/search/data/word-frequencies-nl.txt from the wordfreq package.

The list tells the engine how common a Dutch word is in general. The typo corrector leaves
a real Dutch word alone ("afspraak" is never "corrected" into the handbook's "inspraak"),
and the engine weighs a word the handbook does not know by how much it says: a very
common word ("eigenlijk", "vandaag") says little, a rare one ("uittreksel") carries the
question. Run once by hand (wordfreq is not a dependency of polbot):

    python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq
    /tmp/wf/bin/python scripts/make_word_frequencies.py
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

import wordfreq

TOP = 60_000
TARGET = Path(__file__).resolve().parents[1] / "src/polbot/search/data/word-frequencies-nl.txt"
HEADER = """\
# The {top} most frequent Dutch words, accent-folded, grouped by Zipf frequency (log10 of
# occurrences per billion words, rounded to 0.1): each line is a frequency, then the words
# with that frequency. Derived from wordfreq {version}, whose data is licensed CC BY-SA 4.0
# by Robyn Speer and contributors (https://github.com/rspeer/wordfreq); this file is under
# the same licence. Made by scripts/make_word_frequencies.py.
"""


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def main() -> None:
    zipf: dict[str, float] = {}
    for word in wordfreq.top_n_list("nl", TOP):
        folded = fold(word)
        if folded.isalpha():
            # Folding can merge words ("een", "één"): the most frequent one counts.
            frequency = wordfreq.zipf_frequency(word, "nl")
            zipf[folded] = max(zipf.get(folded, 0.0), frequency)
    buckets: dict[float, list[str]] = defaultdict(list)
    for word, frequency in zipf.items():
        buckets[round(frequency, 1)].append(word)
    lines = [f"{f:.1f} {' '.join(sorted(buckets[f]))}" for f in sorted(buckets, reverse=True)]
    header = HEADER.format(version=version("wordfreq"), top=TOP)
    TARGET.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(zipf)} words in {len(lines)} lines -> {TARGET}")


if __name__ == "__main__":
    main()

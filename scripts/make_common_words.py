"""Regenerate src/polbot/search/data/common-nl.txt from the wordfreq package.

The list tells the typo corrector which words are real Dutch words, so that "afspraak" is
never "corrected" into the handbook's "inspraak". Run once by hand (wordfreq is not a
dependency of polbot): python -m venv /tmp/wf && /tmp/wf/bin/pip install wordfreq &&
/tmp/wf/bin/python scripts/make_common_words.py
"""

from __future__ import annotations

import unicodedata
from importlib.metadata import version
from pathlib import Path

import wordfreq

TOP = 60_000
MIN_LENGTH = 5  # shorter words are never corrected, so they need not be listed
TARGET = Path(__file__).resolve().parents[1] / "src/polbot/search/data/common-nl.txt"
HEADER = """\
# The most frequent Dutch words of five letters or more, accent-folded, one per line.
# Derived from wordfreq {version} (top {top} Dutch words), whose data is licensed
# CC BY-SA 4.0 by Robyn Speer and contributors (https://github.com/rspeer/wordfreq);
# this file is under the same licence. Made by scripts/make_common_words.py.
"""


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def main() -> None:
    words = {fold(w) for w in wordfreq.top_n_list("nl", TOP)}
    kept = sorted(w for w in words if w.isalpha() and len(w) >= MIN_LENGTH)
    header = HEADER.format(version=version("wordfreq"), top=TOP)
    TARGET.write_text(header + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(kept)} words -> {TARGET}")


if __name__ == "__main__":
    main()

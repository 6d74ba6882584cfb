"""``polbot bench``: the engine's speed and memory next to rank_bm25's BM25Okapi.

Two knowledge bases: the real one, and a generated one of many pages whose words are drawn
from the handbook's own vocabulary (with its frequencies), so term statistics look like
the real thing at scale. Questions are the pages' example questions, shortened and given a
typo now and then, plus a share of random vocabulary words. The baseline ranks the same
pages over the same analysed tokens, so the comparison is about the index, not the analysis
(the engine's times include its analysis; the baseline's do not).
"""

from __future__ import annotations

import functools
import random
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from polbot.errors import BaselineMissingError
from polbot.knowledge.model import KnowledgeBase, Page, Theme
from polbot.search.analyzer import words
from polbot.search.engine import Engine, page_texts
from polbot.search.lexicon import dutch

_Built = TypeVar("_Built")


@dataclass(frozen=True)
class BenchRow:
    """One system on one knowledge base."""

    kb: str
    system: str
    pages: int
    questions: int
    build_s: float
    p50_ms: float
    p99_ms: float
    peak_mib: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run_bench(kb: KnowledgeBase, *, pages: int, questions: int, seed: int) -> list[BenchRow]:
    """Measure the engine and the baseline on the real and on a generated knowledge base."""
    try:
        from rank_bm25 import BM25Okapi
    except ImportError as exc:
        raise BaselineMissingError(
            "rank_bm25 is not installed; install the development dependencies "
            "(pip install -e '.[dev]') to run the baseline"
        ) from exc
    rng = random.Random(seed)
    rows: list[BenchRow] = []
    for label, base in (("real", kb), (f"generated-{pages}", generated_kb(kb, pages, rng))):
        asked = sample_questions(base, questions, rng)
        engine, build_s, peak = _measure_build(functools.partial(Engine, base))
        rows.append(_row(label, "polbot", base, asked, build_s, peak, engine.search))

        corpus = [
            [t.text for text in page_texts(p) for t in engine.analyzer.page(text)]
            for p in base.pages
        ]
        tokenised = [[t.text for t in engine.analyzer.question(q)] for q in asked]
        baseline, build_s, peak = _measure_build(functools.partial(BM25Okapi, corpus))

        def rank(tokens: list[str], baseline=baseline) -> object:
            return baseline.get_scores(tokens).argsort()[-3:]  # numpy, as rank_bm25 does

        rows.append(_row(label, "rank_bm25", base, tokenised, build_s, peak, rank))
    return rows


def _measure_build(build: Callable[[], _Built]) -> tuple[_Built, float, float]:
    """Build twice: once timed, once under tracemalloc for the peak memory."""
    start = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return built, seconds, peak / 2**20


def _row(
    label: str,
    system: str,
    kb: KnowledgeBase,
    asked: Sequence[Any],
    build_s: float,
    peak: float,
    answer: Callable[[Any], object],
) -> BenchRow:
    timings = []
    for question in asked:
        start = time.perf_counter_ns()
        answer(question)
        timings.append(time.perf_counter_ns() - start)
    timings.sort()
    return BenchRow(
        kb=label,
        system=system,
        pages=len(kb.pages),
        questions=len(asked),
        build_s=round(build_s, 3),
        p50_ms=round(timings[len(timings) // 2] / 1e6, 4),
        p99_ms=round(timings[min(len(timings) - 1, int(len(timings) * 0.99))] / 1e6, 4),
        peak_mib=round(peak, 1),
    )


def generated_kb(kb: KnowledgeBase, size: int, rng: random.Random) -> KnowledgeBase:
    """A knowledge base of ``size`` pages made of the handbook's words, drawn by frequency."""
    counts: Counter[str] = Counter()
    stopwords = dutch().stopwords
    for page in kb.pages:
        for text in page_texts(page):
            counts.update(t.text for t in words(text, frozenset()) if t.text.isalpha())
    vocabulary = list(counts)
    weights = [counts[w] for w in vocabulary]
    content = [w for w in vocabulary if w not in stopwords]

    def sentence(low: int, high: int) -> str:
        return " ".join(rng.choices(vocabulary, weights, k=rng.randint(low, high))).capitalize()

    pages = tuple(
        Page(
            id=f"bench-{n}",
            title=" ".join(rng.sample(content, rng.randint(2, 4))).capitalize(),
            theme="bench",
            summary=sentence(15, 30),
            text=tuple(sentence(30, 70) for _ in range(rng.randint(2, 4))),
            questions=tuple(sentence(3, 9) + "?" for _ in range(8)),
        )
        for n in range(size)
    )
    theme = Theme(id="bench", label="Bench", intro="Bench", pages=tuple(p.id for p in pages))
    return KnowledgeBase(
        home=kb.home,
        themes=(theme,),
        pages=pages,
        synonyms=kb.synonyms,
        abbreviations=kb.abbreviations,
        smalltalk=kb.smalltalk,
        messages={},
    )


def sample_questions(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """Questions like users type them: example questions shortened, with the odd typo."""
    examples = [q for page in kb.pages for q in page.questions]
    asked = []
    for _ in range(count):
        question = rng.choice(examples).split()
        if len(question) > 3 and rng.random() < 0.5:
            question = rng.sample(question, len(question) - 1)
        if rng.random() < 0.3:
            index = rng.randrange(len(question))
            word = question[index]
            if len(word) > 5:
                cut = rng.randrange(1, len(word) - 1)
                question[index] = word[:cut] + word[cut + 1 :]
        asked.append(" ".join(question))
    return asked


def format_table(rows: Sequence[BenchRow]) -> str:
    """The rows as an aligned text table, with the speed-up over the baseline per KB."""
    header = f"{'kb':<18}{'system':<11}{'pages':>7}{'questions':>10}{'build s':>9}"
    header += f"{'p50 ms':>9}{'p99 ms':>9}{'peak MiB':>10}{'p99 speed-up':>14}"
    lines = [header, "-" * len(header)]
    baseline = {row.kb: row for row in rows if row.system == "rank_bm25"}
    for row in rows:
        base = baseline.get(row.kb)
        speedup = (
            f"{base.p99_ms / row.p99_ms:.1f}x"
            if base and row.system != "rank_bm25" and row.p99_ms
            else ""
        )
        lines.append(
            f"{row.kb:<18}{row.system:<11}{row.pages:>7}{row.questions:>10}{row.build_s:>9.3f}"
            f"{row.p50_ms:>9.3f}{row.p99_ms:>9.3f}{row.peak_mib:>10.1f}{speedup:>14}"
        )
    return "\n".join(lines)

"""Measuring the engine on a question file (the contract's evaluation format).

A file is a YAML list of ``{q: question, expect: [page ids] | fallback | smalltalk}``.
:func:`evaluate` answers every question and counts top-1 and top-3 over the questions that
have a page, in-handbook questions wrongly sent to the fallback, out-of-scope questions
deflected, and smalltalk recognised; every miss is kept with what came back instead.

It also counts what a user sees: a question *answered straight away and right* gets the
right page's answer without alternatives; and how well the score is calibrated: of the
questions whose top page got a score near 0.8, about 8 in 10 should have the right page
there (the reliability table by score decile, and its expected calibration error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from polbot.errors import EvalFileError
from polbot.knowledge.model import KnowledgeBase
from polbot.search.engine import Engine
from polbot.search.result import SearchResult

FALLBACK = "fallback"
SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One question and what answers it: page ids, or ``fallback`` / ``smalltalk``."""

    question: str
    expect: tuple[str, ...] | str


@dataclass(frozen=True, slots=True)
class Miss:
    case: EvalCase
    result: SearchResult


@dataclass
class Report:
    """The figures of one evaluation run."""

    in_handbook: int = 0
    top1: int = 0
    top3: int = 0
    wrong_fallback: int = 0
    out_of_scope: int = 0
    deflected: int = 0
    smalltalk: int = 0
    smalltalk_recognised: int = 0
    direct_right: int = 0
    """In-handbook questions answered straight away with a right page."""
    with_alternatives: int = 0
    """In-handbook questions answered with alternatives under the answer."""
    direct: int = 0
    """Answers given straight away, to any question."""
    direct_correct: int = 0
    """Of those, the ones with a right page (never to an out-of-scope question)."""
    calibration: list[tuple[float, bool]] = field(default_factory=list)
    """Per question that is not smalltalk: the top page's score, and whether it is right."""
    misses: list[Miss] = field(default_factory=list)

    @staticmethod
    def _share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def top1_rate(self) -> float:
        return self._share(self.top1, self.in_handbook)

    @property
    def top3_rate(self) -> float:
        return self._share(self.top3, self.in_handbook)

    @property
    def deflected_rate(self) -> float:
        return self._share(self.deflected, self.out_of_scope)

    @property
    def smalltalk_rate(self) -> float:
        return self._share(self.smalltalk_recognised, self.smalltalk)

    @property
    def direct_right_rate(self) -> float:
        return self._share(self.direct_right, self.in_handbook)

    @property
    def direct_precision(self) -> float:
        return self._share(self.direct_correct, self.direct)

    def reliability(self, bins: int = 10) -> list[tuple[float, float, float, int]]:
        """Per score bin (``bins`` equal widths): its lower edge, the mean score, the share
        right, and how many questions; empty bins are left out."""
        grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
        for score, right in self.calibration:
            grouped[min(int(score * bins), bins - 1)].append((score, right))
        return [
            (
                number / bins,
                sum(s for s, _ in group) / len(group),
                sum(r for _, r in group) / len(group),
                len(group),
            )
            for number, group in enumerate(grouped)
            if group
        ]

    @property
    def calibration_error(self) -> float:
        """The expected calibration error: the gap between the mean score and the share
        right per score decile, weighted by the questions in it."""
        total = len(self.calibration)
        rows = self.reliability()
        return sum(n * abs(mean - right) for _, mean, right, n in rows) / total if total else 0.0

    def summary(self) -> dict[str, float | int]:
        """The figures as one flat mapping (for JSON and for the gate test)."""
        return {
            "in_handbook": self.in_handbook,
            "top1": round(self.top1_rate, 4),
            "top3": round(self.top3_rate, 4),
            "wrong_fallback": self.wrong_fallback,
            "out_of_scope": self.out_of_scope,
            "deflected": round(self.deflected_rate, 4),
            "smalltalk": round(self.smalltalk_rate, 4),
            "direct_right": round(self.direct_right_rate, 4),
            "with_alternatives": self.with_alternatives,
            "direct_precision": round(self.direct_precision, 4),
            "calibration_error": round(self.calibration_error, 4),
        }


def load_cases(path: Path | str) -> list[EvalCase]:
    """Read an evaluation file; :class:`EvalFileError` says what is wrong with it."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise EvalFileError(path, f"{where}{exc.problem or 'invalid YAML'}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EvalFileError(path, f"cannot read: {exc}") from exc
    if not isinstance(data, list):
        raise EvalFileError(path, "expected a list of {q, expect} entries")
    cases = []
    for number, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("q"), str):
            raise EvalFileError(path, f"entry {number}: needs a question 'q'")
        expect = entry.get("expect")
        if expect in (FALLBACK, SMALLTALK):
            cases.append(EvalCase(entry["q"], expect))
        elif isinstance(expect, list) and expect and all(isinstance(e, str) for e in expect):
            cases.append(EvalCase(entry["q"], tuple(expect)))
        else:
            raise EvalFileError(
                path, f"entry {number}: 'expect' must be page ids, fallback or smalltalk"
            )
    return cases


def evaluate(engine: Engine, cases: Sequence[EvalCase]) -> Report:
    """Answer every case and count the contract's figures."""
    report = Report()
    for case in cases:
        result = engine.search(case.question)
        hit = _score(report, case, result)
        if not hit:
            report.misses.append(Miss(case, result))
    return report


def _score(report: Report, case: EvalCase, result: SearchResult) -> bool:
    if case.expect != SMALLTALK and result.kind != "smalltalk":
        top = result.candidates[0].id if result.candidates else None
        right = isinstance(case.expect, tuple) and top in case.expect
        report.calibration.append((result.score if result.candidates else 0.0, right))
    if result.kind == "answer" and result.direct:
        report.direct += 1
        report.direct_correct += isinstance(case.expect, tuple) and result.page_id in case.expect
    if case.expect == FALLBACK:
        report.out_of_scope += 1
        report.deflected += result.kind == "fallback"
        return result.kind == "fallback"
    if case.expect == SMALLTALK:
        report.smalltalk += 1
        report.smalltalk_recognised += result.kind == "smalltalk"
        return result.kind == "smalltalk"
    report.in_handbook += 1
    first = result.page_id if result.kind == "answer" else None
    top3 = {c.id for c in result.candidates[:3]} if result.kind == "answer" else set()
    report.top1 += first in case.expect
    report.top3 += bool(top3 & set(case.expect))
    report.wrong_fallback += result.kind == "fallback"
    report.direct_right += result.direct and first in case.expect
    report.with_alternatives += result.kind == "answer" and not result.direct
    return first in case.expect


def without_questions(kb: KnowledgeBase, number: int) -> KnowledgeBase:
    """The knowledge base with example question ``number`` of every page left out."""
    pages = tuple(
        page.model_copy(
            update={"questions": page.questions[:number] + page.questions[number + 1 :]}
        )
        for page in kb.pages
    )
    return replace(kb, pages=pages)


def leave_one_out(
    kb: KnowledgeBase, make_engine: Callable[[KnowledgeBase], Engine] = Engine
) -> Report:
    """Each example question of each page asked of an engine built without it.

    The example questions are the knowledge base's own paraphrases, so this measures how
    the engine generalises to wording it has not seen, on far more questions than an
    evaluation file holds. Round ``n`` leaves out question ``n`` of every page at once, so
    one engine serves a question of each page (every page keeps all its other questions).
    """
    report = Report()
    for engine, case in leave_one_out_cases(kb, make_engine):
        result = engine.search(case.question)
        if not _score(report, case, result):
            report.misses.append(Miss(case, result))
    return report


def leave_one_out_cases(
    kb: KnowledgeBase, make_engine: Callable[[KnowledgeBase], Engine] = Engine
) -> Iterator[tuple[Engine, EvalCase]]:
    """Each example question of each page with an engine that was built without it (see
    :func:`leave_one_out`)."""
    rounds = max((len(page.questions) for page in kb.pages), default=0)
    for number in range(rounds):
        engine = make_engine(without_questions(kb, number))
        for page in kb.pages:
            if number < len(page.questions):
                yield engine, EvalCase(page.questions[number], (page.id,))


def report_text(report: Report, *, misses: bool = False) -> str:
    """The report as ``polbot eval`` prints it, every miss first with ``misses``; what a user
    sees comes last, where a glance at the end of the output finds it."""
    lines: list[str] = []
    if misses:
        for miss in report.misses:
            result, expect = miss.result, miss.case.expect
            wanted = expect if isinstance(expect, str) else " | ".join(expect)
            got = result.page_id or result.kind
            others = ", ".join(f"{c.id} {c.score:.2f}" for c in result.candidates)
            lines.append(
                f"MISS {miss.case.question!r}: expected {wanted}, got {got}"
                f" ({result.kind} {result.score:.2f}; candidates: {others or '-'})"
            )
    lines += [
        f"in-handbook questions            {report.in_handbook}",
        f"top-3                            {report.top3_rate:.1%} ({report.top3})",
        f"direct answers right             {report.direct_precision:.1%} of {report.direct}",
        "reliability (score: mean score, share right, questions)",
        *(
            f"  {low:.1f}-{low + 0.1:.1f}   {mean:.2f}  {right:.2f}  {count}"
            for low, mean, right, count in report.reliability()
        ),
        f"expected calibration error       {report.calibration_error:.3f}",
        f"top-1 (right page first)         {report.top1_rate:.1%} ({report.top1})",
        f"answered straight away and right {report.direct_right_rate:.1%} ({report.direct_right})",
        f"answered with alternatives       {report.with_alternatives}",
        f"wrongly sent to fallback         {report.wrong_fallback}",
        f"out-of-scope deflected           {report.deflected_rate:.1%} of {report.out_of_scope}",
        f"smalltalk recognised             {report.smalltalk_rate:.1%} of {report.smalltalk}",
    ]
    return "\n".join(lines)


def below(report: Report, **minimum: float | None) -> list[str]:
    """The names of the figures below their required level (``None``: not required).

    The levels are ``min_top1``, ``min_top3``, ``min_direct_right``, ``max_wrong_fallback``,
    ``min_deflected``, ``min_smalltalk`` and ``max_calibration_error``.
    """
    checks = (
        ("top-1", "min_top1", report.top1_rate),
        ("top-3", "min_top3", report.top3_rate),
        ("straight away and right", "min_direct_right", report.direct_right_rate),
        ("wrong fallback", "max_wrong_fallback", report.wrong_fallback),
        ("deflected", "min_deflected", report.deflected_rate),
        ("smalltalk", "min_smalltalk", report.smalltalk_rate),
        ("calibration", "max_calibration_error", report.calibration_error),
    )
    failed = []
    for name, level, figure in checks:
        required = minimum.get(level)
        if required is None:
            continue
        if level.startswith("max_") and figure > required:
            failed.append(name)
        if level.startswith("min_") and figure < required:
            failed.append(name)
    return failed

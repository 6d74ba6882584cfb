"""The review report as text (a terminal), HTML (one self-contained file for the content
owner, with an inline SVG chart) and JSON (for scripts). The texts come from the knowledge
base (``knowledge/messages-review.yaml``)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from polbot.knowledge.model import KnowledgeBase
from polbot.review.report import Group, Report, Week

FORMATS = ("text", "html", "json")


def render(report: Report, kb: KnowledgeBase, format: str) -> str:
    """``report`` in ``format`` (one of :data:`FORMATS`)."""
    if format == "json":
        return render_json(report, kb)
    if format == "html":
        return render_html(report, kb)
    return render_text(report, kb)


def _day(day: Any) -> str:
    return f"{day:%d-%m-%Y}"


def _summary(report: Report, kb: KnowledgeBase) -> str:
    return kb.message(
        "review-summary",
        questions=str(report.questions),
        groups=str(len(report.groups)),
        helpful=str(sum(f.helpful for f in report.feedback)),
        unhelpful=str(sum(f.unhelpful for f in report.feedback)),
    )


def _suggestion(group: Group, kb: KnowledgeBase) -> str:
    if group.suggestion.kind == "add-example" and group.suggestion.title:
        return kb.message("review-suggest-example", title=group.suggestion.title)
    return kb.message("review-suggest-missing")


def _group_count(group: Group, kb: KnowledgeBase) -> str:
    return kb.message(
        "review-group-count",
        count=str(group.count),
        fallbacks=str(group.fallbacks),
        alternatives=str(group.alternatives),
    )


def _share(value: float) -> str:
    return f"{round(value * 100)}%"


# --- text -----------------------------------------------------------------------------


def render_text(report: Report, kb: KnowledgeBase) -> str:
    period = kb.message("review-period", since=_day(report.since), until=_day(report.until))
    lines = [kb.message("review-title"), period, _summary(report, kb), ""]
    if not report.groups:
        lines += [kb.message("review-empty"), ""]
    else:
        lines += [kb.message("review-groups-heading"), ""]
    for number, group in enumerate(report.groups, 1):
        lines.append(f"{number}. {group.questions[0]}")
        lines.append(f"   {_group_count(group, kb)}")
        if len(group.questions) > 1:
            lines.append(f"   {kb.message('review-wordings')}")
            lines += [f"   - {question}" for question in group.questions]
        if group.pages:
            pages = ", ".join(f"{p.title} ({p.count})" for p in group.pages[:3])
            lines.append(f"   {kb.message('review-pages')} {pages}")
        lines.append(f"   {_suggestion(group, kb)}")
        lines.append("")
    lines.append(kb.message("review-feedback-heading"))
    if not report.feedback:
        lines.append(kb.message("review-no-feedback"))
    for row in report.feedback:
        helpful, unhelpful = (
            kb.message("review-column-helpful"),
            kb.message("review-column-unhelpful"),
        )
        lines.append(
            f"- {row.title}: {row.helpful} {helpful}, {row.unhelpful} {unhelpful} "
            f"({kb.message('review-column-share')} {_share(row.share)})"
        )
    lines += ["", kb.message("review-chart-heading")]
    for week in report.weeks:
        lines.append(
            f"- {kb.message('review-week-of', day=_day(week.start))}: "
            f"{week.fallbacks} {kb.message('review-chart-fallbacks')}, "
            f"{week.thumbs_down} {kb.message('review-chart-unhelpful')}"
        )
    lines += ["", kb.message("review-privacy")]
    return "\n".join(lines) + "\n"


# --- JSON -----------------------------------------------------------------------------


def render_json(report: Report, kb: KnowledgeBase) -> str:
    data = {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "questions": report.questions,
        "groups": [
            {
                "count": group.count,
                "fallbacks": group.fallbacks,
                "alternatives": group.alternatives,
                "questions": list(group.questions),
                "terms": list(group.terms),
                "pages": [
                    {"id": p.page_id, "title": p.title, "count": p.count} for p in group.pages
                ],
                "suggestion": {
                    "kind": group.suggestion.kind,
                    "page": group.suggestion.page_id,
                    "text": _suggestion(group, kb),
                },
            }
            for group in report.groups
        ],
        "feedback": [
            {
                "page": row.page_id,
                "title": row.title,
                "helpful": row.helpful,
                "unhelpful": row.unhelpful,
                "share": round(row.share, 4),
            }
            for row in report.feedback
        ],
        "weeks": [
            {"start": w.start.isoformat(), "fallbacks": w.fallbacks, "thumbs_down": w.thumbs_down}
            for w in report.weeks
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- HTML -----------------------------------------------------------------------------

_CSS = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 2px solid #00689d; }
.period, .privacy { color: #555; }
.summary { font-size: 1.1rem; }
ol.groups { padding-left: 1.5rem; }
ol.groups > li { margin: 0 0 1.25rem; padding: .75rem 1rem; background: #f4f8fb;
                 border-left: 4px solid #00689d; }
.question { font-weight: 600; font-size: 1.05rem; }
.count { color: #444; }
.advice { margin: .5rem 0 0; font-weight: 600; }
.advice.add-example { color: #0b6b2b; }
.advice.not-in-handbook { color: #8a4b00; }
ul { margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; }
td.number, th.number { text-align: right; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
.legend span { display: inline-block; margin-right: 1.25rem; }
.swatch { display: inline-block; width: .9rem; height: .9rem; vertical-align: middle;
          margin-right: .35rem; }
"""

_FALLBACK_COLOUR = "#00689d"
_UNHELPFUL_COLOUR = "#d9822b"


def render_html(report: Report, kb: KnowledgeBase) -> str:
    period = kb.message("review-period", since=_day(report.since), until=_day(report.until))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(kb.message('review-title'))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(kb.message('review-title'))}</h1>",
        f'<p class="period">{escape(period)}</p>',
        f'<p class="summary">{escape(_summary(report, kb))}</p>',
        f"<h2>{escape(kb.message('review-chart-heading'))}</h2>",
        _chart(report.weeks, kb, _day(report.since)),
        f"<h2>{escape(kb.message('review-groups-heading'))}</h2>",
    ]
    if not report.groups:
        parts.append(f"<p>{escape(kb.message('review-empty'))}</p>")
    else:
        parts.append('<ol class="groups">')
        parts += [_html_group(group, kb) for group in report.groups]
        parts.append("</ol>")
    parts.append(f"<h2>{escape(kb.message('review-feedback-heading'))}</h2>")
    if not report.feedback:
        parts.append(f"<p>{escape(kb.message('review-no-feedback'))}</p>")
    else:
        parts += [
            "<table>",
            "<thead><tr>"
            f"<th>{escape(kb.message('review-column-page'))}</th>"
            f'<th class="number">{escape(kb.message("review-column-helpful"))}</th>'
            f'<th class="number">{escape(kb.message("review-column-unhelpful"))}</th>'
            f'<th class="number">{escape(kb.message("review-column-share"))}</th>'
            "</tr></thead>",
            "<tbody>",
        ]
        parts += [
            f'<tr><td>{escape(row.title)}</td><td class="number">{row.helpful}</td>'
            f'<td class="number">{row.unhelpful}</td>'
            f'<td class="number">{_share(row.share)}</td></tr>'
            for row in report.feedback
        ]
        parts += ["</tbody>", "</table>"]
    parts += [
        f'<p class="privacy">{escape(kb.message("review-privacy"))}</p>',
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _html_group(group: Group, kb: KnowledgeBase) -> str:
    parts = [
        "<li>",
        f'<div class="question">{escape(group.questions[0])}</div>',
        f'<div class="count">{escape(_group_count(group, kb))}</div>',
    ]
    if len(group.questions) > 1:
        parts.append(f"<div>{escape(kb.message('review-wordings'))}</div><ul>")
        parts += [f"<li>{escape(question)}</li>" for question in group.questions]
        parts.append("</ul>")
    if group.pages:
        parts.append(f"<div>{escape(kb.message('review-pages'))}</div><ul>")
        parts += [f"<li>{escape(p.title)} ({p.count})</li>" for p in group.pages[:3]]
        parts.append("</ul>")
    else:
        parts.append(f"<div>{escape(kb.message('review-no-pages'))}</div>")
    parts.append(f'<p class="advice {group.suggestion.kind}">{escape(_suggestion(group, kb))}</p>')
    parts.append("</li>")
    return "\n".join(parts)


def _chart(weeks: tuple[Week, ...], kb: KnowledgeBase, since: str) -> str:
    """Bars per week, fallbacks and 👎 side by side, as inline SVG."""
    width, height, left, bottom, top = 640, 200, 36, 36, 12
    plot_height = height - bottom - top
    highest = max((max(w.fallbacks, w.thumbs_down) for w in weeks), default=0) or 1
    slot = (width - left - 8) / max(len(weeks), 1)
    bar = max(min(slot / 2 - 4, 28), 2)
    label = kb.message("review-chart-label", since=since)
    parts = [
        f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 4}" '
        f'y2="{top + plot_height}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{highest}</text>',
        f'<text x="{left - 6}" y="{top + plot_height}" text-anchor="end">0</text>',
    ]
    every = max(1, len(weeks) // 8)
    for index, week in enumerate(weeks):
        x = left + index * slot + (slot - 2 * bar) / 2
        for offset, value, colour, name in (
            (0.0, week.fallbacks, _FALLBACK_COLOUR, kb.message("review-chart-fallbacks")),
            (bar, week.thumbs_down, _UNHELPFUL_COLOUR, kb.message("review-chart-unhelpful")),
        ):
            bar_height = plot_height * value / highest
            y = top + plot_height - bar_height
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{bar_height:.1f}" fill="{colour}">'
                f"<title>{escape(kb.message('review-week-of', day=_day(week.start)))}: "
                f"{value} {escape(name)}</title></rect>"
            )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{week.start:%d-%m}</text>"
            )
    parts.append("</svg>")
    legend = (
        '<p class="legend">'
        f'<span><span class="swatch" style="background:{_FALLBACK_COLOUR}"></span>'
        f"{escape(kb.message('review-chart-fallbacks'))}</span>"
        f'<span><span class="swatch" style="background:{_UNHELPFUL_COLOUR}"></span>'
        f"{escape(kb.message('review-chart-unhelpful'))}</span></p>"
    )
    return "\n".join(parts) + "\n" + legend

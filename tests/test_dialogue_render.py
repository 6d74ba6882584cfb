"""Plain-text rendering of replies."""

from __future__ import annotations

import pytest

from polbot.dialogue import BulletList, Button, Paragraph, Reply, Span, plain


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (Span("vet", bold=True), "vet"),
        (Span("site", link="https://x.nl"), "site <https://x.nl>"),
        (Span("https://x.nl", link="https://x.nl"), "https://x.nl"),
        (Span("a@b.nl", link="mailto:a@b.nl"), "a@b.nl"),
        (Span("mail ons", link="mailto:a@b.nl"), "mail ons <a@b.nl>"),
    ],
)
def test_spans_render_plainly(span: Span, text: str) -> None:
    assert plain(Reply((Paragraph((span,)),))) == text


def test_paragraphs_and_bullets_render_as_lines_without_buttons() -> None:
    reply = Reply(
        (
            Paragraph((Span("Kies: "), Span("iets", bold=True))),
            BulletList(((Span("een"),), (Span("twee"),))),
        ),
        buttons=(Button("Hoofdmenu", "home"),),
    )
    assert plain(reply) == "Kies: iets\n\n- een\n- twee"

"""Every data string of the digest is text where it meets Markdown or HTML: a database written before the
doors checked ids (or by anyone who can write to it) may hold markup in an id, a family, a relation, a
label or an alert's line; the digest's Markdown, its HTML and the notifications (Apprise converts their
Markdown to HTML for e-mail) show it as text, never as a live tag or link."""

from __future__ import annotations

import pandas as pd
import pytest
from apprise.conversion import markdown_to_html

from tests.support.markup import assert_inert
from tracker.report import digest_render
from tracker.report.digest import Digest
from tracker.report.markdown_table import cell, table, text

EVIL = "<img src=x onerror=alert(1)>"
LINK = "[sign in again](https://evil.example/login)"
SCRIPT = "<script>alert(1)</script>"
DASHBOARD = "http://127.0.0.1:8501/"


def mover(model_id: str, change: int, rank: int) -> dict:
    return {
        "model_id": model_id,
        "ecosystem": "llama",
        "family": LINK,
        "relation": EVIL,
        "weekly_downloads": 5_000 + change,
        "weekly_downloads_before": 5_000,
        "change": change,
        "rank": rank,
        "tied": False,
    }


def hostile() -> Digest:
    alert = {"rule": f"rule {EVIL}", "evaluated": True, "fired": True, "line": f"{SCRIPT} rose by 10%."}
    data = {
        "title": "Open-model adoption: run 3 of 2026-11-16",
        "provenance": None,
        "run": {"id": 3, "taken_at": "2026-11-16T06:00:00Z", "ecosystems": ["llama", "qwen"]},
        "previous_run": {"id": 2, "taken_at": "2026-11-09T06:00:00Z"},
        "labels": [{"ecosystem": "llama", "label": f"Llama {EVIL}"}, {"ecosystem": "qwen", "label": LINK}],
        "headline": [{"label": "derivatives", "value": "1,000", "change": "+10"}],
        "growth_multiple": None,
        "new_by_family": [{"ecosystem": "llama", "family": f"fam {LINK}", "new": 3}],
        "new_by_relation": [{"ecosystem": "llama", "relation": EVIL, "new": 2}],
        "movers": {
            "floors": {"change": 1_000, "share": 0.25},
            "risers": [mover(f"a/{EVIL}", 4_000, 1), mover(LINK, 2_000, 2)],
            "fallers": [mover(SCRIPT, -3_000, 1)],
            "entrants": [mover(f"e/{LINK}", 0, 1)],
        },
        "ecosystems": [
            {
                "ecosystem": e,
                "derivatives": 10,
                "derivatives_change": 1,
                "new": 3,
                "share_of_new": 0.5,
                "weekly_downloads": 5,
            }
            for e in ("llama", "qwen")
        ],
        "events": {
            "new_roots": [{"model_id": f"meta-llama/{EVIL}", "ecosystem": "llama", "family": LINK}],
            "lost_parents": [{"model_id": LINK, "children": 2, "children_still_tracked": 1}],
            "lost_models": 3,
            "revisions": {
                "models": 1,
                "downloads": -5,
                "largest": [{"model_id": SCRIPT, "downloads_delta": -5}],
            },
        },
        "alerts": {"rules": 1, "fired": [alert], "checked": [alert]},
        "dashboard_url": DASHBOARD,
    }
    empty = pd.DataFrame()
    return Digest(data=data, series=empty, by_family=empty, shares=empty, risers=empty)


def test_the_digests_html_shows_the_datas_markup_as_text() -> None:
    parsed = assert_inert(digest_render.to_html(hostile()), (DASHBOARD,))
    for shown in (EVIL, SCRIPT, "evil.example/login", f"Llama {EVIL}"):
        assert shown in parsed.text, shown


@pytest.mark.parametrize("convert", [markdown_to_html, None], ids=["apprise", "python-markdown"])
def test_the_notifications_markdown_shows_the_datas_markup_as_text(convert) -> None:  # noqa: ANN001
    import markdown

    to_html = convert or (lambda body: markdown.markdown(body, extensions=["tables"]))
    digest = hostile()
    title, body = digest_render.summary(digest)
    parsed = assert_inert(to_html(body))
    assert f"a/{EVIL}" in parsed.text
    for title, body in digest_render.alert_notices(digest):
        parsed = assert_inert(to_html(f"# {text(title)}\n\n{body}"))
        assert SCRIPT in parsed.text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B"),  # a Hub id reads as itself
        ("u/tuned_v2_final", "u/tuned_v2_final"),  # underscores inside a word are no emphasis
        ("_x_/a*b*", r"\_x\_/a\*b\*"),
        (LINK, r"\[sign in again\](https://evil.example/login)"),
        (EVIL, "&lt;img src=x onerror=alert(1)&gt;"),
        ("a & b `c` ![x]", r"a &amp; b \`c\` !\[x\]"),
        ("two\nlines\r\n# heading", r"two lines \# heading"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_text_escapes_what_markdown_and_html_would_read(raw: str, shown: str) -> None:
    assert text(raw) == shown


def test_a_cell_is_one_line_with_its_pipes_escaped() -> None:
    assert cell("a|b\nc") == r"a\|b c"
    assert table(["x"], [[EVIL]], "l")[-1] == "| &lt;img src=x onerror=alert(1)&gt; |"


@pytest.mark.parametrize(
    ("url", "escaped"),
    [("json://127.0.0.1:9/hook", False), ("mmost://127.0.0.1:9/token1234567890abcdefghijkl", True)],
)
def test_a_title_is_escaped_only_where_the_service_puts_it_into_the_body(url: str, escaped: bool) -> None:
    """Mattermost has no title of its own: Apprise converts the title with the body, so it is escaped;
    a service with a title field (JSON, e-mail's subject) shows it as written."""
    import apprise

    from tracker.report.notify import _title_for

    notifier = apprise.Apprise()
    assert notifier.add(url)
    title = f"Alert: {EVIL}"
    assert _title_for(notifier, title) == (text(title) if escaped else title)

"""A shared link's parameters are shown as text, never as Markdown (issue 27, item 6): a parameter's value
sits in a code span no text can leave, an unknown parameter is named without its value, and no element of
the page holds a live link from the link. (Streamlit renders `st.info`, `st.toast` and the rest as Markdown;
AppTest gives their Markdown source, so the check here is on the source: outside code spans.)"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import links
from tests.support.dashboard_db import build_database
from tests.support.paths import APP

PHISH = "[Session expired, sign in again](https://evil.example/login)"
HOSTILE = [
    PHISH,
    "<https://evil.example/login>",
    "https://evil.example/login",
    "``[x](https://evil.example)`` `",
    "`x\n\n[Session expired](https://evil.example/login)",
    "a\x00b\r\n\t[x](https://evil.example) :red[alarm] $x$ <b>bold</b>",
]
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def outside_code_spans(markdown: str) -> str:
    """The Markdown without its code spans (CommonMark: a span closes on a run of as many backticks)."""
    return _CODE_SPAN.sub(" ", markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_value_is_one_code_span_that_nothing_leaves(text: str) -> None:
    shown = links.literal(text)
    assert not any(c in shown for c in "\n\r\x00")
    assert "evil.example" not in outside_code_spans(shown)
    assert outside_code_spans(shown).strip() == ""  # one span, nothing beside it
    assert "evil.example" in shown  # shown, as text


def test_a_long_value_is_cut_and_an_empty_one_said() -> None:
    shown = links.literal("x" * 500)
    assert len(shown) < 100
    assert "…" in shown
    assert links.literal("") == "(empty)"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("link-text") / "tracker.db", weeks=1)


@pytest.fixture
def app(database: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    return AppTest.from_file(APP, default_timeout=60)


def shown_markdown(at: AppTest) -> list[str]:
    """Every text the page renders as Markdown: notices, toasts, captions, headings, paragraphs."""
    kinds = ("toast", "info", "warning", "error", "success", "markdown", "caption", "title", "header")
    return [str(element.value) for kind in kinds for element in at.get(kind)]


def live_links(at: AppTest) -> list[str]:
    return [text for text in shown_markdown(at) if "evil.example" in outside_code_spans(text)]


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("views/overview.py", {"note": PHISH}),  # an unknown parameter
        ("views/overview.py", {PHISH: "1"}),  # an unknown parameter whose name is the lure
        ("views/overview.py", {"f_ecosystems": PHISH}),  # a known parameter with a value it cannot take
        ("views/lineage.py", {"lin_search": PHISH}),  # the explorer's search, echoed when nothing matches
        ("views/lineage.py", {"lin_model": PHISH}),
    ],
)
def test_no_element_holds_a_live_link_from_the_link(app: AppTest, page: str, params: dict[str, str]) -> None:
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception
    ((key, value),) = params.items()
    assert any(key[:20] in text or value[:20] in text for text in shown_markdown(app))  # named, as text
    assert not live_links(app), live_links(app)


def test_an_unknown_parameter_is_named_without_its_value(app: AppTest) -> None:
    app.query_params["note"] = PHISH
    app.run()
    (notice,) = [toast.value for toast in app.toast]
    assert "note" in notice
    assert "evil.example" not in notice
    assert "Session expired" not in notice

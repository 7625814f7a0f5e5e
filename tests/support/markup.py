"""What a page or a message shows: its tags (with their attributes) and its text, for tests that hold that
data from the Hub or an archive never becomes markup."""

from __future__ import annotations

from html.parser import HTMLParser


class Tags(HTMLParser):
    """The tags of a page (with their attributes) and its text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data

    def named(self, name: str) -> list[dict]:
        """The attributes of each tag of this name."""
        return [attrs for tag, attrs in self.tags if tag == name]


def assert_inert(page: str, links: tuple[str, ...] = ()) -> Tags:
    """No tag of the data's making: images only the page's own charts (PNG data URIs), no script, no
    frame, no event handler, no link but `links`."""
    parsed = Tags(page)
    assert all(a.get("src", "").startswith("data:image/png;base64,") for a in parsed.named("img"))
    assert not {tag for tag, _ in parsed.tags} & {"script", "iframe", "object", "embed"}
    assert [a.get("href") for a in parsed.named("a")] in ([], list(links))
    assert not [a for _, a in parsed.tags if any(k.lower().startswith("on") for k in a)]
    return parsed

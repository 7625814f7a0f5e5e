"""Errors on one line (`tracker.core.errors`): bounded without cutting a word, and one wording for unknown
names."""

from __future__ import annotations

import pytest

from tracker.core.errors import one_line, unknown_name


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short  enough\n", 40, "short enough"),
        (
            "expected one of [author, createdAt, inferenceProviderMapping]",
            50,
            "expected one of [author, createdAt…",
        ),
        (
            "expected one of [author, createdAt, inferenceProviderMapping]",
            36,
            "expected one of [author, createdAt…",
        ),
        ("one two three", 8, "one two…"),
        ("one two three", 7, "one…"),
        ("Supercalifragilistic", 8, "Superca…"),
        ("a b", 3, "a b"),
    ],
)
def test_a_long_line_ends_at_a_word_boundary_within_its_limit(text: str, limit: int, expected: str) -> None:
    line = one_line(text, limit=limit)
    assert line == expected
    assert len(line) <= limit


def test_an_empty_exception_gives_its_type() -> None:
    assert one_line(ValueError()) == "ValueError"
    assert one_line(ValueError("  two\nlines ")) == "two lines"


def test_unknown_names_are_refused_naming_the_known_ones() -> None:
    assert (
        unknown_name("ecosystem", "lama", ["llama", "qwen"])
        == "unknown ecosystem 'lama' (known: llama, qwen)"
    )
    assert unknown_name("family", "X", []) == "unknown family 'X' (known: none)"

"""The caption under the sidebar's "Filters" popover: what the filters choose, in a sentence (the widgets
themselves are drawn only when the popover is opened)."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.context import filters_said

MARCH, JULY = date(2025, 3, 19), date(2025, 7, 2)


@pytest.mark.parametrize(
    ("ecosystems", "families", "relations", "since", "until", "said"),
    [
        (
            [],
            [],
            [],
            MARCH,
            JULY,
            "Showing every ecosystem; every family; every relation; runs 19 Mar 2025 to 02 Jul 2025.",
        ),
        (
            ["Meta Llama", "Qwen"],
            ["Llama 3.1"],
            ["finetune", "merge"],
            MARCH,
            None,
            "Showing Meta Llama and Qwen; family Llama 3.1; relations finetune and merge; "
            "runs from 19 Mar 2025.",
        ),
        (
            ["Meta Llama", "Qwen", "Mistral"],
            ["A", "B"],
            ["adapter"],
            None,
            None,
            "Showing Meta Llama, Qwen and Mistral; families A and B; relation adapter.",
        ),
    ],
)
def test_the_caption_says_what_the_filters_choose(
    ecosystems, families, relations, since, until, said
) -> None:  # noqa: ANN001
    assert filters_said(ecosystems, families, relations, since, until) == said

"""The line a crawl logs when a route refuses an `expand` value: an expected retry is INFO, whole, never cut
mid-word; the Hub's own words (data) are quoted, bounded, ending at a word boundary."""

from __future__ import annotations

import logging

import pytest

from tracker.collect.hub import QUOTE_LIMIT, HubClient
from tracker.collect.transport import BadRequest
from tracker.core.errors import ELLIPSIS
from tracker.emulator.routes.server import HubEmulator

BIG = "meta-llama/Llama-3.1-8B-Instruct"


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracker.hub" and "refuses expand=" in r.getMessage()]


def test_the_real_hubs_refusal_is_an_info_line_with_the_names_in_full(
    hub: HubEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tracker.hub")
    with HubClient(hub.url) as client:
        client.children(BIG)
    (record,) = refusal_lines(caplog)
    assert record.levelno == logging.INFO
    line = record.getMessage()
    assert "the Hub's listing route refuses expand=childrenModelCount; asking again without it" in line
    quote = line.split("(the Hub: ", 1)[1].removesuffix(")")
    # The emulator's message, like the Hub's, lists every value it accepts: longer than the quote's room.
    assert len(quote) <= QUOTE_LIMIT
    assert quote.endswith(ELLIPSIS)
    kept = quote.removesuffix(ELLIPSIS)
    whole = " ".join(hub_message(hub).split())
    assert whole.startswith(kept)
    assert whole[len(kept)] in " ,;:.)]", f"cut mid-word: {quote!r}"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def hub_message(hub: HubEmulator) -> str:
    """The 400's message as the emulator gives it to a listing asking for childrenModelCount."""
    import httpx2

    answer = httpx2.get(
        f"{hub.url}/api/models",
        params=[("filter", f"base_model:{BIG}"), ("limit", "1"), ("expand", "childrenModelCount")],
    )
    assert answer.status_code == 400
    return answer.json()["error"]


def test_a_usage_value_refused_is_a_warning(hub: HubEmulator, caplog: pytest.LogCaptureFixture) -> None:
    """Without `safetensors` the run lacks sizes: worth a warning, the names still in full."""
    caplog.set_level(logging.INFO, logger="tracker.hub")
    detail = "Invalid expand value: got safetensors, expected one of " + ", ".join(["somethingElse"] * 40)
    with HubClient(hub.url) as client:
        client._refuse("listing", ["downloads", "safetensors"], BadRequest("refused", detail))
    (record,) = refusal_lines(caplog)
    assert record.levelno == logging.WARNING
    assert "refuses expand=safetensors; asking again without it (the Hub: Invalid expand value: got" in (
        record.getMessage()
    )
    assert record.getMessage().endswith(f"somethingElse{ELLIPSIS})")

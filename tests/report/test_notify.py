"""tracker.report.notify and tracker.report.masking against real receivers: a webhook and an SMTP server on
127.0.0.1.

The webhook stands for Slack/Teams-style services through Apprise's json:// URL (a token in the path, a
password in the userinfo); the SMTP server is aiosmtpd's, plain, as a local relay would be.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.support.ports import free_port
from tests.support.receiver import PASSWORD, TOKEN, USER, Receiver
from tracker.report.masking import mask_url, redact_logs
from tracker.report.notify import (
    Delivery,
    Message,
    Notifier,
    NotifyError,
    Target,
    parse_targets,
    send,
    send_all,
)

TOPIC = "mytopicsecret"  # a lowercase secret that Apprise's own masking leaves in clear


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rec:
        yield rec


@pytest.fixture
def target(receiver: Receiver) -> Target:
    (only,) = parse_targets([receiver.url()])
    return only


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """Everything Apprise and urllib3 say, at DEBUG: where URLs would leak (printed, as with `-vv`)."""
    for name in ("apprise", "urllib3.connectionpool", "tracker.notify"):
        caplog.set_level(logging.DEBUG, logger=name)
    monkeypatch.setattr(logging.getLogger("apprise"), "propagate", True)  # the CLI stops it below -vv
    return caplog


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in (TOKEN, PASSWORD, *secrets):
        assert secret not in text


MESSAGE = Message(title="Weekly snapshot", body="3 ecosystems, **1,204** new models", kind="success")


# --- the webhook ---------------------------------------------------------------------------------------


def test_webhook_receives_exactly_the_message(receiver: Receiver, target: Target) -> None:
    delivery = send(target, MESSAGE)

    assert delivery == Delivery(target=target, ok=True, attempts=1, error=None)
    assert receiver.requests == [
        {
            "path": f"/hook/{TOKEN}",
            "auth": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
            "json": {
                "version": "1.0",
                "title": "Weekly snapshot",
                "message": "3 ecosystems, **1,204** new models",
                "attachments": [],
                "type": "success",
            },
        }
    ]
    assert target.service == "JSON"
    assert target.masked == f"json://{USER}:****@127.0.0.1:{receiver.port}/h...k/T...c"
    assert_no_secret(repr(target) + str(target) + repr(delivery))


def test_retries_with_backoff_then_succeeds(
    receiver: Receiver, target: Target, debug_logs: pytest.LogCaptureFixture
) -> None:
    receiver.codes = [500, 500]
    delays: list[float] = []

    delivery = send(target, MESSAGE, attempts=4, backoff=0.01, sleep=delays.append)

    assert (delivery.ok, delivery.attempts, delivery.error) == (True, 3, None)
    assert delays == [0.01, 0.02]
    assert len(receiver.requests) == 3
    ours = [r.getMessage() for r in debug_logs.records if r.name == "tracker.notify"]
    assert ours[-1] == f"notified JSON ({target.masked}) after 3 attempts"
    assert ours[0].startswith(f"notification to JSON ({target.masked}) attempt 1 of 4 failed: ")
    assert "error=500" in ours[0]
    assert ours[0].endswith("; retrying in 0.01 s")
    assert_no_secret(debug_logs.text, receiver.url())


def test_always_failing_gives_up_contained_and_masked(
    receiver: Receiver, target: Target, debug_logs: pytest.LogCaptureFixture
) -> None:
    receiver.codes = [500] * 10
    delays: list[float] = []

    delivery = send(target, MESSAGE, attempts=4, backoff=0.01, sleep=delays.append)

    assert (delivery.ok, delivery.attempts) == (False, 4)
    assert delivery.error is not None
    assert "500" in delivery.error
    assert "\n" not in delivery.error
    assert delays == [0.01, 0.02, 0.04]
    assert len(receiver.requests) == 4
    final = debug_logs.records[-1]
    assert final.levelno == logging.WARNING
    assert final.getMessage() == (
        f"notification to JSON ({target.masked}) failed after 4 attempts: {delivery.error}"
    )
    # The filter ran where the secrets would have been: Apprise's URL line and urllib3's request line.
    text = debug_logs.text
    assert f"JSON POST URL: http://127.0.0.1:{receiver.port}/hook/T...c" in text
    assert '"POST /hook/T...c HTTP/1.1" 500' in text
    assert_no_secret(text, receiver.url())
    assert_no_secret(delivery.error)


def test_unreachable_service_is_contained(debug_logs: pytest.LogCaptureFixture) -> None:
    (target,) = parse_targets([f"json://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/hook/{TOKEN}"])
    delays: list[float] = []

    delivery = send(target, MESSAGE, attempts=2, backoff=0.01, sleep=delays.append)

    assert (delivery.ok, delivery.attempts, delays) == (False, 2, [0.01])
    assert "Connection error" in (delivery.error or "")
    assert_no_secret(debug_logs.text)


def test_hanging_service_times_out(receiver: Receiver, target: Target) -> None:
    receiver.delay = 10
    began = time.monotonic()

    delivery = send(target, MESSAGE, attempts=1, timeout=0.5)

    assert time.monotonic() - began < 1.5
    assert (delivery.ok, delivery.attempts, delivery.error) == (False, 1, "timed out after 0.5 s")


def test_send_all_reports_each_target(receiver: Receiver) -> None:
    good, bad = parse_targets([receiver.url(), f"json://127.0.0.1:{free_port()}/hook/{TOKEN}"])

    deliveries = send_all([good, bad], MESSAGE, attempts=1)

    assert [(d.target, d.ok) for d in deliveries] == [(good, True), (bad, False)]


def test_unusable_target_and_kind_are_contained_or_refused() -> None:
    by_hand = Target(url=f"bogus://example.com/{TOKEN}", service="JSON", masked="bogus://example.com/T...c")

    delivery = send(by_hand, MESSAGE)

    assert (delivery.ok, delivery.attempts) == (False, 0)
    assert delivery.error == "not a notification URL Apprise can use: bogus://example.com/T...c"
    with pytest.raises(NotifyError, match="unknown notification kind 'urgent'"):
        Message(title="t", body="b", kind="urgent")


# --- the background notifier ---------------------------------------------------------------------------


@pytest.mark.slow
def test_notifier_never_delays_the_caller_and_keeps_order(receiver: Receiver, target: Target) -> None:
    receiver.delay = 1.0
    notifier = Notifier([target], attempts=1, timeout=5)

    began = time.monotonic()
    notifier.post(Message(title="first", body="a"))
    notifier.post(Message(title="second", body="b"))
    assert time.monotonic() - began < 0.1

    notifier.close(wait=10)
    assert receiver.titles() == ["first", "second"]
    assert [(d.ok, d.attempts) for d in notifier.deliveries] == [(True, 1), (True, 1)]


def test_notifier_close_gives_up_after_wait(
    receiver: Receiver, target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.delay = 30  # never answers within the wait (released at teardown)
    notifier = Notifier([target], attempts=1, timeout=5)
    notifier.post(Message(title="first", body="a"))
    notifier.post(Message(title="second", body="b"))

    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="tracker.notify"):
        notifier.close(wait=0.3)
    assert time.monotonic() - began < 1.0
    assert "2 notification message(s) left unsent after waiting 0.3 s" in caplog.text
    notifier.post(Message(title="late", body="c"))  # after close: dropped with a warning, no exception
    assert "notifications are closed" in caplog.text


# --- URLs: parsing and masking -------------------------------------------------------------------------


def test_parse_targets_rejects_a_bogus_url_masked(debug_logs: pytest.LogCaptureFixture) -> None:
    url = f"bogus://{USER}:{PASSWORD}@example.com/hook/{TOPIC}"

    with pytest.raises(NotifyError) as raised:
        parse_targets([url])

    assert str(raised.value) == "not a notification URL Apprise can use: bogus://****@example.com/h...k/m...t"
    # Apprise's own line is there, and without the secrets it would otherwise show (the topic).
    assert "Unparseable URL bogus://" in debug_logs.text
    assert_no_secret(debug_logs.text, TOPIC, url)


def test_parse_targets_splits_and_deduplicates() -> None:
    slack_native = "https://hooks.slack.com/services/T1ABCDEFG/B2ABCDEFG/C3abcdefghijklmnopqrstuv"
    slack = "slack://T1ABCDEFG/B2ABCDEFG/C3abcdefghijklmnopqrstuv"
    ntfy = f"ntfy://ntfy.sh/{TOPIC}"

    targets = parse_targets([f"{slack} {ntfy}", slack, slack_native])

    assert [(t.service, t.masked) for t in targets] == [
        ("Slack", "slack://T...G/B...G/C...v"),
        ("ntfy", "ntfy://ntfy.sh/m...t"),
    ]


MASKS = [  # (url, its masked form, secrets it holds)
    (
        f"json://{USER}:{PASSWORD}@127.0.0.1:8080/hook/{TOKEN}",
        f"json://{USER}:****@127.0.0.1:8080/h...k/T...c",
        [PASSWORD, TOKEN],
    ),
    (
        "slack://T1ABCDEFG/B2ABCDEFG/C3abcdefghijklmnopqrstuv",
        "slack://T...G/B...G/C...v",
        ["T1ABCDEFG", "B2ABCDEFG", "C3abcdefghijklmnopqrstuv"],
    ),
    (
        "mailto://ops:pa55word@smtp.example.com?to=ops@example.com",
        "mailto://ops:****@smtp.example.com/o...m",
        ["pa55word"],
    ),
    (f"ntfy://ntfy.sh/{TOPIC}", "ntfy://ntfy.sh/m...t", [TOPIC]),
    ("ntfys://tk_abcdefghijklmnop@ntfy.sh/alerts", "ntfys://t...p@ntfy.sh/a...s", ["tk_abcdefghijklmnop"]),
    (
        "discord://123456789012/AbCdEfGhIjKlMnOp",
        "discord://1...2/A...p",
        ["123456789012", "AbCdEfGhIjKlMnOp"],
    ),
    ("json://127.0.0.1:8080/hook?token=abc123", "json://127.0.0.1:8080/h...k", ["abc123"]),
    (
        f"bogus://{USER}:{PASSWORD}@example.com/{TOKEN}?token=abc123",
        "bogus://****@example.com/T...c",
        [PASSWORD, TOKEN, "abc123", USER],
    ),
    ("slak://T1ABCDEFG/B2ABCDEFG/C3abc", "slak://T...G/B...G/C...c", ["T1ABCDEFG", "B2ABCDEFG"]),
    ("not a url", "n...l", []),
]


@pytest.mark.parametrize(("url", "masked", "secrets"), MASKS)
def test_mask_url(url: str, masked: str, secrets: list[str]) -> None:
    assert mask_url(url) == masked
    for secret in secrets:
        assert secret not in mask_url(url)


def test_redaction_covers_later_targets(caplog: pytest.LogCaptureFixture) -> None:
    first, second = (
        Target(
            url=f"json://h.example.com/hook/{n}XYZ7890secret", service="JSON", masked="json://h.example.com"
        )
        for n in ("a", "b")
    )
    redact_logs([first])
    redact_logs([first, second])  # again, and with one more: one filter, both redacted
    assert sum(type(f).__name__ == "_Redactor" for f in logging.getLogger("apprise").filters) == 1

    with caplog.at_level(logging.DEBUG, logger="apprise"):
        logging.getLogger("apprise").debug("posting to %s and %s", first.url, "bXYZ7890secret")
    assert "XYZ7890secret" not in caplog.text
    assert "posting to json://h.example.com/h...k/a...t and b...t" in caplog.text


# --- e-mail --------------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def test_email_through_a_local_smtp_server() -> None:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        # mailto:// is plain SMTP; the sender must be a real-looking address (Apprise would derive
        # user@127.0.0.1, which it rejects); no password, else Apprise attempts AUTH.
        url = f"mailto://127.0.0.1:{controller.port}?from=tracker@example.com&to=ops@example.com"
        (target,) = parse_targets([url])
        delivery = send(
            target, Message(title="Snapshot failed", body="Run 42 **failed**: timeout", kind="failure")
        )
    finally:
        controller.stop()

    assert (target.service, delivery.ok, delivery.attempts) == ("E-Mail", True, 1)
    (envelope,) = mailbox.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("tracker@example.com", ["ops@example.com"])
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "Snapshot failed"
    assert mail["To"] == "ops@example.com"
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    assert plain.get_content().strip() == "Run 42 failed: timeout"

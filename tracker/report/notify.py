"""Notifications after scheduled snapshots: a summary, or an alert when a run fails, sent through Apprise.

The operator names where they go with Apprise URLs (`--notify URL`, or TRACKER_NOTIFY): Slack, Teams,
Discord, e-mail (mailto://), ntfy, a plain JSON webhook (json://) and anything else Apprise speaks.

Why it is built this way:

- Those URLs carry secrets. A `Target` keeps its URL out of its repr, every line logged here shows its
  masked form, and Apprise's and urllib3's own lines are filtered (`tracker.report.masking`). Nothing here
  stores a URL.
- A notification must never break or slow the run it reports on. `send` never raises: a failed attempt
  (an error, a refusal, a timeout, an exception inside Apprise) is retried with exponential backoff, then
  logged with the service's name and the error. `Notifier` sends from one background thread.
- One `apprise.Apprise()` per target and send, so each target is retried and reported on its own.
  Apprise's own retry stays at its default (none): the backoff is ours. Its per-call `timeout=` bounds how
  long a hanging service can hold a send, and the plugin's socket timeouts are capped just past it so
  the worker thread Apprise abandons at its deadline does not linger long after it.
- For a local SMTP server (plain, no TLS, no auth) the working form is
  `mailto://HOST:PORT?from=tracker@example.com&to=ops@example.com`: mailto:// (not mailtos://) means
  no TLS, the sender must be a real-looking address (Apprise derives `user@HOST` otherwise, which it
  rejects for an IP address), and a password would make Apprise attempt SMTP AUTH.
- A message's body is Markdown in which its composer escaped every data string
  (`tracker.report.markdown_table.text`): Apprise makes HTML of it for e-mail and passes raw HTML through.
  Its title is text: a service that shows a title of its own gets it as is; one that puts the title into
  the body (Apprise converts it with the body then) gets it escaped the same way (`_title_for`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import apprise

from tracker.core.errors import one_line
from tracker.report.markdown_table import text
from tracker.report.masking import generic_mask, load_plugin, masked_form, redact, redact_logs

logger = logging.getLogger("tracker.notify")

KINDS = {
    "info": apprise.NotifyType.INFO,
    "success": apprise.NotifyType.SUCCESS,
    "warning": apprise.NotifyType.WARNING,
    "failure": apprise.NotifyType.FAILURE,
}

_SOCKET_MARGIN = 1.0  # s past a send's timeout that a plugin's sockets may still wait


class NotifyError(ValueError):
    """A notification setting that cannot work; one clear line, any URL in it masked."""


@dataclass(frozen=True)
class Target:
    """Where notifications go: one Apprise URL (the secret) with its service name and safe form."""

    url: str = field(repr=False)  # the secret URL; never logged, never in repr/str
    service: str  # Apprise's service name, e.g. "JSON", "Slack", "E-Mail"
    masked: str  # safe to log: see tracker.report.masking.mask_url


@dataclass(frozen=True)
class Message:
    """One notification: a title (text), a Markdown body (Apprise converts it per service; data in it
    escaped by its composer) and its kind."""

    title: str
    body: str
    kind: str = "info"  # "info" | "success" | "warning" | "failure" (Apprise NotifyType)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise NotifyError(f"unknown notification kind {self.kind!r}: one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Delivery:
    """How sending one message to one target went."""

    target: Target
    ok: bool
    attempts: int
    error: str | None  # the last attempt's error, one line, masked


# --- targets ------------------------------------------------------------------------------------------


def parse_targets(urls: Iterable[str]) -> list[Target]:
    """Each URL as a Target; NotifyError('not a notification URL Apprise can use: <masked>') for one Apprise
    cannot load. Duplicates kept once. Apprise's own ERROR line for it must not show the URL in clear.

    An item may hold several URLs separated by white space (as TRACKER_NOTIFY does); URLs never contain
    any. Two spellings of one endpoint (Slack's https:// webhook and its slack:// form) count as duplicates.
    """
    if isinstance(urls, str):  # one string is one list of URLs, not a list of characters
        urls = [urls]
    targets: list[Target] = []
    seen: set[str] = set()
    for item in urls:
        for url in item.split():
            if url in seen:
                continue
            seen.add(url)
            plugin = load_plugin(url)
            if plugin is None:
                raise NotifyError(f"not a notification URL Apprise can use: {generic_mask(url)}")
            canonical = _canonical(plugin)
            if canonical in seen:
                continue
            seen.add(canonical)
            targets.append(Target(url=url, service=str(plugin.service_name), masked=masked_form(plugin, url)))
    return targets


def _canonical(plugin: apprise.NotifyBase) -> str:
    try:
        return plugin.url(privacy=False)
    except Exception:  # no canonical form: compare by the URL as written only
        return ""


# --- sending ------------------------------------------------------------------------------------------


def _error_of(result: apprise.AppriseResult, service: str, timeout: float) -> str:
    """The attempt's error in one line: Apprise's WARNING/ERROR entries for the service, masked."""
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return f"timed out after {timeout:g} s"
    entries: list[str] = []
    for service_result in result:
        for entry in service_result.logs():
            line = one_line(str(entry.message))
            if str(entry.level) in ("WARNING", "ERROR", "CRITICAL") and line and line not in entries:
                entries.append(line)
    if not entries:
        return f"failed (no detail from {service})"
    return redact("; ".join(entries))


def _prepare(target: Target, timeout: float) -> apprise.Apprise | None:
    """A fresh Apprise with only this target, its sockets bounded by `timeout`; None if it cannot load."""
    notifier = apprise.Apprise()
    if not notifier.add(target.url):
        return None
    for plugin in notifier:
        # Apprise stops waiting at the call's deadline, but its worker thread goes on until the socket
        # gives up (4 s by default for HTTP, 15 s for SMTP): cap those just past the deadline, so the
        # thread does not linger and the deadline, not the socket, decides ("timed out after N s").
        cap = float(timeout) + _SOCKET_MARGIN
        for name in ("socket_connect_timeout", "socket_read_timeout"):
            current = getattr(plugin, name, None)
            if isinstance(current, (int, float)) and current > cap:
                setattr(plugin, name, cap)
    return notifier


def _title_for(notifier: apprise.Apprise, title: str) -> str:
    """The title as the service gets it: as is where it has a title of its own; escaped as Markdown text
    where it has none (`title_maxlen` 0), for Apprise then converts it with the body."""
    blended = any(getattr(plugin, "title_maxlen", 1) <= 0 for plugin in notifier)
    return text(title) if blended and title else title


def _attempt(notifier: apprise.Apprise, target: Target, message: Message, timeout: float) -> str | None:
    """One try: None when it was delivered, else the error."""
    try:
        with notifier.notify(
            body=message.body,
            title=_title_for(notifier, message.title),
            notify_type=KINDS[message.kind],
            body_format=apprise.NotifyFormat.MARKDOWN,
            timeout=timeout,
            log_level=logging.WARNING,
        ) as result:
            if result.status == apprise.AppriseResultStatus.SUCCESS:
                return None
            return _error_of(result, target.service, timeout)
    except Exception as exc:  # an exception from Apprise is one more failed attempt
        return redact(one_line(f"{type(exc).__name__}: {exc}")) or type(exc).__name__


def send(
    target: Target,
    message: Message,
    *,
    attempts: int = 4,
    backoff: float = 2.0,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send to one target; on failure retry after backoff, 2*backoff, 4*backoff ... (attempts in all).
    Logs (logger "tracker.notify"): INFO "notified <service> (<masked>)" on success (with "after N
    attempts" when retried); WARNING per failed attempt that will be retried ("... attempt 1 of 4 failed:
    <error>; retrying in 2 s"); WARNING at the end "notification to <service> (<masked>) failed after 4
    attempts: <error>". Never raises (an exception from Apprise counts as a failed attempt)."""
    attempts = max(1, int(attempts))
    redact_logs([target])
    try:
        notifier = _prepare(target, timeout)
    except Exception:  # contained like any other failure
        notifier = None
    if notifier is None:
        # A Target built by hand, not by parse_targets: nothing was attempted.
        unusable = f"not a notification URL Apprise can use: {target.masked}"
        logger.warning("notification to %s (%s) failed: %s", target.service, target.masked, unusable)
        return Delivery(target=target, ok=False, attempts=0, error=unusable)

    error: str | None = None
    for attempt in range(1, attempts + 1):
        error = _attempt(notifier, target, message, timeout)
        if error is None:
            after = f" after {attempt} attempts" if attempt > 1 else ""
            logger.info("notified %s (%s)%s", target.service, target.masked, after)
            return Delivery(target=target, ok=True, attempts=attempt, error=None)
        if attempt < attempts:
            delay = backoff * 2 ** (attempt - 1)
            logger.warning(
                "notification to %s (%s) attempt %d of %d failed: %s; retrying in %g s",
                target.service, target.masked, attempt, attempts, error, delay,
            )  # fmt: skip
            try:
                sleep(delay)
            except Exception:  # a sleep that fails must not raise into the caller either
                pass
    plural = "s" if attempts > 1 else ""
    logger.warning(
        "notification to %s (%s) failed after %d attempt%s: %s",
        target.service, target.masked, attempts, plural, error,
    )  # fmt: skip
    return Delivery(target=target, ok=False, attempts=attempts, error=error)


def send_all(targets: Sequence[Target], message: Message, **options: object) -> list[Delivery]:
    """`send` to each target in turn (options as send()'s); one Delivery per target, never raises."""
    return [send(target, message, **options) for target in targets]  # type: ignore[arg-type]


class Notifier:
    """Sends messages to every target from one background daemon thread, in order, so the caller is never
    delayed. `post(message)` queues and returns at once; `close(wait=60.0)` waits up to `wait` seconds
    for the queue to drain, then logs (WARNING) how many messages were left unsent and returns; never
    raises. `deliveries` lists every Delivery made (for tests and logs). Options as send()'s."""

    def __init__(
        self, targets: Sequence[Target], *, attempts: int = 4, backoff: float = 2.0, timeout: float = 30.0
    ) -> None:
        self.targets = tuple(targets)
        self._options = {"attempts": attempts, "backoff": backoff, "timeout": timeout}
        self._queue: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._pending = 0  # posted and not yet sent to every target
        self._closed = False
        # Set when close() gave up: the thread then drops what is left instead of sending it later, so
        # the count close() logged as unsent stays true (one message may still be in flight).
        self._abandoned = threading.Event()
        redact_logs(self.targets)
        self._thread = threading.Thread(target=self._run, name="tracker-notify", daemon=True)
        self._thread.start()

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def post(self, message: Message) -> None:
        """Queue the message for every target and return at once."""
        with self._lock:
            if self._closed:
                logger.warning("notifications are closed: %r not sent", message.title)
                return
            self._pending += 1
        self._queue.put(message)

    def close(self, wait: float = 60.0) -> None:
        """Wait up to `wait` seconds for the queued messages to go out; log how many did not."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=max(0.0, wait))
        if self._thread.is_alive():
            self._abandoned.set()
            with self._lock:
                unsent = self._pending
            logger.warning("%d notification message(s) left unsent after waiting %g s", unsent, wait)

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            if message is None or self._abandoned.is_set():
                return
            try:
                for target in self.targets:
                    if self._abandoned.is_set():
                        break
                    delivery = send(target, message, **self._options)  # type: ignore[arg-type]
                    with self._lock:
                        self._deliveries.append(delivery)
            except Exception:  # send never raises; this keeps the thread alive regardless
                logger.warning("notification of %r failed unexpectedly", message.title)
            finally:
                with self._lock:
                    self._pending -= 1

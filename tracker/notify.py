"""Notifications after scheduled snapshots: a summary, or an alert when a run fails, sent through Apprise.

The operator names where they go with Apprise URLs (`--notify URL`, or TRACKER_NOTIFY): Slack, Teams,
Discord, e-mail (mailto://), ntfy, a plain JSON webhook (json://) and anything else Apprise speaks.

Why it is built this way:

- Those URLs carry secrets (webhook tokens in the path, passwords, API keys in the query). A `Target` keeps
  its URL out of its repr; every line logged here shows `mask_url`'s form; and `redact_logs` puts a filter
  on Apprise's and urllib3's loggers, which at DEBUG print the URL, its path and Apprise's half-masked form
  (Apprise masks passwords and known tokens, not a json:// path token). Nothing here stores a URL.
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
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote

import apprise

logger = logging.getLogger("tracker.notify")

KINDS = {
    "info": apprise.NotifyType.INFO,
    "success": apprise.NotifyType.SUCCESS,
    "warning": apprise.NotifyType.WARNING,
    "failure": apprise.NotifyType.FAILURE,
}

# Loggers whose records can show a target's URL or path: Apprise itself ("apprise", used by every plugin),
# and urllib3, which logs the request line ("POST /hook/T0KEN HTTP/1.1") and, on errors, the URL.
REDACTED_LOGGERS = (
    "apprise",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.util.retry",
    logger.name,
)

# Path segments and query values that are structure, not secrets: left alone by the log filter, so that it
# does not garble Apprise's own words ("hook" in "webhook" is safe anyway: matches are whole words).
_PLAIN_WORDS = frozenset(
    """hook hooks webhook webhooks api apis services service notify notification notifications message
    messages send post put get json xml form events event alert alerts default channel channels workflows
    triggers invoke topic topics chat chats team teams room rooms html text markdown yes no true false
    none null insecure starttls ssl upstream truncate split private public basic token bearer
    image info success warning failure""".split()
)
_SOCKET_MARGIN = 1.0  # s past a send's timeout that a plugin's sockets may still wait
_MIN_SECRET = 4  # shorter parts of a URL are left in clear in third-party logs (too many false hits)
_MASKED = re.compile(r".?\.\.\..?|\.\.\..{1,4}|\*+")  # what Apprise's privacy mode already produced
_HOSTNAME = re.compile(r"(?:[A-Za-z0-9-]{1,63}\.)+(?:[A-Za-z]{2,24}|[0-9]{1,3})|localhost|\[[0-9A-Fa-f:.]+\]")
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.DOTALL)


class NotifyError(ValueError):
    """A notification setting that cannot work; one clear line, any URL in it masked."""


@dataclass(frozen=True)
class Target:
    """Where notifications go: one Apprise URL (the secret) with its service name and safe form."""

    url: str = field(repr=False)  # the secret URL; never logged, never in repr/str
    service: str  # Apprise's service name, e.g. "JSON", "Slack", "E-Mail"
    masked: str  # safe to log: see mask_url


@dataclass(frozen=True)
class Message:
    """One notification: a title, a Markdown body (Apprise converts it per service) and its kind."""

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


# --- masking ------------------------------------------------------------------------------------------


def _mask_token(text: str) -> str:
    """A secret shown as Apprise does (first and last character kept); short ones not at all."""
    if len(text) < _MIN_SECRET:
        return "***" if text else ""
    return f"{text[0]}...{text[-1]}"


def _split_url(url: str) -> tuple[str, str, str, str] | None:
    """(scheme, userinfo, hostport, path) of `scheme://...`, query and fragment dropped; None if no scheme."""
    match = _SCHEME.fullmatch(url.strip())
    if match is None:
        return None
    rest = match["rest"]
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, path = rest[:cut], re.split(r"[?#]", rest[cut:], maxsplit=1)[0]
    userinfo, _, hostport = netloc.rpartition("@")
    return match["scheme"], userinfo, hostport, path


def _split_port(hostport: str) -> tuple[str, str]:
    """("host", ":port") from "host:port"; an IPv6 literal keeps its brackets."""
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit() and not host.endswith(":"):
        return host, f":{port}"
    return hostport, ""


def _mask_path(path: str) -> str:
    """Every path segment masked, except those Apprise already masked; empty segments dropped."""
    segments = [s for s in re.split(r"[\\/]+", path) if s]
    return "".join("/" + (s if _MASKED.fullmatch(s) else _mask_token(unquote(s))) for s in segments)


def _mask_userinfo(userinfo: str) -> str:
    """`user:****@`: the user as given (Apprise masks it where it is a token), the password never."""
    if not userinfo:
        return ""
    user, colon, _ = userinfo.partition(":")
    return f"{user}:****@" if colon else f"{userinfo}@"


def _generic_mask(url: str) -> str:
    """An URL Apprise cannot read: scheme and host kept (when the host looks like one), all else masked."""
    parts = _split_url(url)
    if parts is None:
        return _mask_token(url.strip())
    scheme, userinfo, hostport, path = parts
    host, port = _split_port(hostport)
    # A typo'd scheme can put a token where the host goes (slak://T0123/B0123/...): keep only real hosts.
    shown = host if _HOSTNAME.fullmatch(host) or re.fullmatch(r"[a-z]{1,10}", host) else _mask_token(host)
    return f"{scheme}://{'****@' if userinfo else ''}{shown}{port}{_mask_path(path)}"


def _scrub(private_url: str) -> str:
    """Apprise's privacy form made safe: no query, password as ****, every clear path segment masked."""
    parts = _split_url(private_url)
    if parts is None:
        return _mask_token(private_url)
    scheme, userinfo, hostport, path = parts
    return f"{scheme}://{_mask_userinfo(userinfo)}{hostport}{_mask_path(path)}"


def _load(url: str) -> apprise.NotifyBase | None:
    """Apprise's plugin for the URL, or None; Apprise's lines about it are redacted first."""
    _REDACTOR.install()
    _REDACTOR.add_url(url)
    try:
        return apprise.Apprise.instantiate(url)
    except Exception:  # a plugin that cannot load is the same as an unknown URL
        return None


def _masked(plugin: apprise.NotifyBase | None, url: str) -> str:
    if plugin is None:
        return _generic_mask(url)
    try:
        return _scrub(plugin.url(privacy=True))
    except Exception:  # a plugin's url() failing must not expose the URL
        return _generic_mask(url)


def mask_url(url: str) -> str:
    """The URL safe to show: Apprise's own privacy form where it parses (service-aware: slack tokens
    T...1), then without its query string, with userinfo password as ****, and every path segment that
    Apprise left in clear masked too (first and last character kept: `/h...k/T...3`); an unparseable
    URL is masked generically (scheme and host kept, everything else masked). Never returns a secret."""
    return _masked(_load(url), url)


# --- log redaction ------------------------------------------------------------------------------------


def _hostname_like(text: str) -> bool:
    return bool(_HOSTNAME.fullmatch(text))


def _token_like(text: str) -> bool:
    """A user name or host that is really a key (ntfy's tk_..., Slack's T0123ABCD, Discord's webhook id)."""
    if len(text) < _MIN_SECRET or _hostname_like(text):
        return False
    mixed = any(c.isdigit() for c in text) or (text.lower() != text and text.upper() != text) or "_" in text
    return len(text) >= 16 or (len(text) >= 6 and mixed)


def _secret_word(text: str) -> bool:
    """A path segment or query value worth hiding: long enough, not structure, not a host or a number."""
    if len(text) < _MIN_SECRET or text.lower() in _PLAIN_WORDS or _hostname_like(text):
        return False
    return not (text.isdigit() and len(text) <= 5)


def _secrets_of(url: str) -> dict[str, str]:
    """Each secret part of a URL (as written and percent-decoded/encoded) mapped to its mask."""
    url = url.strip()
    found: dict[str, str] = {url: _generic_mask(url), url.replace("/#", "/%23"): _generic_mask(url)}
    parts = _split_url(url)
    if parts is None:
        return found

    def add(raw: str, mask: str | None = None) -> None:
        for form in {raw, unquote(raw), quote(unquote(raw), safe="")}:
            if form:
                found.setdefault(form, mask or _mask_token(unquote(raw)))

    _, userinfo, hostport, path = parts
    user, colon, password = userinfo.partition(":")
    if colon and len(unquote(password)) >= 3:
        add(password, "****")
    if _token_like(unquote(user)):
        add(user)
    host, _ = _split_port(hostport)
    if _token_like(unquote(host)):
        add(host)
    for segment in re.split(r"[\\/]+", path):
        if _secret_word(unquote(segment)):
            add(segment)
    query = url.partition("?")[2].partition("#")[0]
    for _, value in parse_qsl(query, keep_blank_values=False):
        # "+Authorization=Bearer abc..." style header values: the whole value and each word.
        for word in {value, *value.split()}:
            if _secret_word(word):
                add(word)
    return found


class _Redactor(logging.Filter):
    """Replaces every known secret in a record's message (and traceback) with its mask, where it is made."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._masks: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._installed = False

    def install(self) -> None:
        """Put the filter on the loggers that can show URLs; once (addFilter ignores repeats anyway)."""
        with self._lock:
            if self._installed:
                return
            for name in REDACTED_LOGGERS:
                logging.getLogger(name).addFilter(self)
            self._installed = True

    def add_url(self, url: str) -> None:
        secrets = _secrets_of(url)
        with self._lock:
            if all(s in self._masks for s in secrets):
                return
            for secret, mask in secrets.items():
                self._masks.setdefault(secret, mask)
            # Longest first, so a whole URL is replaced before its parts; whole words only, so a secret
            # never matches inside an unrelated longer word.
            alternatives = "|".join(re.escape(s) for s in sorted(self._masks, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: self._masks.get(m[0], "****"), text)

    def filter(self, record: logging.LogRecord) -> bool:
        # Never log from here (it would recurse), never drop a record: only rewrite it.
        try:
            message = record.getMessage()
            clean = self.redact(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
            if record.stack_info:
                record.stack_info = self.redact(record.stack_info)
        except Exception:  # a record that cannot be formatted is left to logging's own handling
            pass
        return True


_REDACTOR = _Redactor()


def redact_logs(targets: Sequence[Target]) -> None:
    """Install (once; idempotent, more targets may be added by later calls) a logging.Filter on the
    "apprise" and "urllib3.connectionpool" loggers (records are filtered where they are created: filters
    on those logger objects) that replaces every secret of the targets (the whole URL, its password, each
    path segment and query value of 4 or more characters that is not a plain word like 'hook') in the
    record's message with a mask. Also on "urllib3.connection", "urllib3.util.retry" and our own logger."""
    _REDACTOR.install()
    for target in targets:
        _REDACTOR.add_url(target.url)


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
            plugin = _load(url)
            if plugin is None:
                raise NotifyError(f"not a notification URL Apprise can use: {_generic_mask(url)}")
            canonical = _canonical(plugin)
            if canonical in seen:
                continue
            seen.add(canonical)
            targets.append(Target(url=url, service=str(plugin.service_name), masked=_masked(plugin, url)))
    return targets


def _canonical(plugin: apprise.NotifyBase) -> str:
    try:
        return plugin.url(privacy=False)
    except Exception:  # no canonical form: compare by the URL as written only
        return ""


# --- sending ------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error_of(result: apprise.AppriseResult, service: str, timeout: float) -> str:
    """The attempt's error in one line: Apprise's WARNING/ERROR entries for the service, masked."""
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return f"timed out after {timeout:g} s"
    entries: list[str] = []
    for service_result in result:
        for entry in service_result.logs():
            line = _one_line(str(entry.message))
            if str(entry.level) in ("WARNING", "ERROR", "CRITICAL") and line and line not in entries:
                entries.append(line)
    if not entries:
        return f"failed (no detail from {service})"
    return _REDACTOR.redact("; ".join(entries))


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


def _attempt(notifier: apprise.Apprise, target: Target, message: Message, timeout: float) -> str | None:
    """One try: None when it was delivered, else the error."""
    try:
        with notifier.notify(
            body=message.body,
            title=message.title,
            notify_type=KINDS[message.kind],
            body_format=apprise.NotifyFormat.MARKDOWN,
            timeout=timeout,
            log_level=logging.WARNING,
        ) as result:
            if result.status == apprise.AppriseResultStatus.SUCCESS:
                return None
            return _error_of(result, target.service, timeout)
    except Exception as exc:  # an exception from Apprise is one more failed attempt
        return _REDACTOR.redact(_one_line(f"{type(exc).__name__}: {exc}")) or type(exc).__name__


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

"""Notification URLs shown safely: their masked forms, and a filter that keeps their secrets out of log lines.

Those URLs carry secrets (webhook tokens in the path, passwords, API keys in the query). `mask_url` gives
the form every line of ours shows: Apprise's own privacy form where it parses (service-aware: Slack's
tokens as `T...1`), without its query, the password as ****, every path segment Apprise left in clear
masked too. `redact_logs` puts a filter on Apprise's and urllib3's loggers, which at DEBUG print the URL,
its path and Apprise's half-masked form (Apprise masks passwords and known tokens, not a json:// path
token). Sending is `tracker.report.notify`'s.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import parse_qsl, quote, unquote

import apprise


class _HasUrl(Protocol):
    url: str


# Loggers whose records can show a target's URL or path: Apprise itself ("apprise", used by every plugin),
# and urllib3, which logs the request line ("POST /hook/T0KEN HTTP/1.1") and, on errors, the URL.
REDACTED_LOGGERS = (
    "apprise",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.util.retry",
    "tracker.notify",
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
_MIN_SECRET = 4  # shorter parts of a URL are left in clear in third-party logs (too many false hits)
_MASKED = re.compile(r".?\.\.\..?|\.\.\..{1,4}|\*+")  # what Apprise's privacy mode already produced
_HOSTNAME = re.compile(r"(?:[A-Za-z0-9-]{1,63}\.)+(?:[A-Za-z]{2,24}|[0-9]{1,3})|localhost|\[[0-9A-Fa-f:.]+\]")
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.DOTALL)


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


def generic_mask(url: str) -> str:
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


def load_plugin(url: str) -> apprise.NotifyBase | None:
    """Apprise's plugin for the URL, or None; its secrets are registered with the log filter first, so
    Apprise's own lines about it (an unparseable URL's ERROR among them) come out masked."""
    _REDACTOR.install()
    _REDACTOR.add_url(url)
    try:
        return apprise.Apprise.instantiate(url)
    except Exception:  # a plugin that cannot load is the same as an unknown URL
        return None


def masked_form(plugin: apprise.NotifyBase | None, url: str) -> str:
    """The URL's safe form, from its plugin's privacy form (or generically without a plugin)."""
    if plugin is None:
        return generic_mask(url)
    try:
        return _scrub(plugin.url(privacy=True))
    except Exception:  # a plugin's url() failing must not expose the URL
        return generic_mask(url)


def mask_url(url: str) -> str:
    """The URL safe to show: Apprise's own privacy form where it parses (service-aware: slack tokens
    T...1), then without its query string, with userinfo password as ****, and every path segment that
    Apprise left in clear masked too (first and last character kept: `/h...k/T...3`); an unparseable
    URL is masked generically (scheme and host kept, everything else masked). Never returns a secret."""
    return masked_form(load_plugin(url), url)


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
    found: dict[str, str] = {url: generic_mask(url), url.replace("/#", "/%23"): generic_mask(url)}
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


def redact(text: str) -> str:
    """`text` with every secret registered so far masked (for error texts built outside logging)."""
    return _REDACTOR.redact(text)


def redact_logs(targets: Iterable[_HasUrl]) -> None:
    """Install (once; idempotent, more targets may be added by later calls) a logging.Filter on the
    "apprise" and "urllib3.connectionpool" loggers (records are filtered where they are created: filters
    on those logger objects) that replaces every secret of the targets (the whole URL, its password, each
    path segment and query value of 4 or more characters that is not a plain word like 'hook') in the
    record's message with a mask. Also on "urllib3.connection", "urllib3.util.retry" and our own logger."""
    _REDACTOR.install()
    for target in targets:
        _REDACTOR.add_url(target.url)

"""Who may read the dashboard, and where it is served: the login's settings, the allow-list, the
address and base path checks (pure; no Streamlit, no I/O).

The login is Streamlit's own OpenID Connect support (`st.login`, `st.user`), configured by its `[auth]`
settings. `tracker dashboard` assembles them from a file (`--login FILE`, Streamlit's `[auth]` table) and
environment variables (`TRACKER_DASHBOARD_AUTH_<KEY>`, which win over the file, so the secrets can live
in a credentials file of their own), checks them, and hands them to Streamlit in a private secrets
file. The app then admits only the accounts an allow-list names (`TRACKER_DASHBOARD_ALLOW`), whose address
the provider says is verified (`ClaimRules`: an explicit opt-out for providers that never say, and the
tenant of Microsoft Entra ID).

Secrets (the client secret, the cookie secret) never appear in an error or in `describe`.
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

LOGIN_ENV = "TRACKER_DASHBOARD_LOGIN"  # the login file
ENV_PREFIX = "TRACKER_DASHBOARD_AUTH_"
ALLOW_ENV = "TRACKER_DASHBOARD_ALLOW"
REQUIRED_ENV = "TRACKER_DASHBOARD_LOGIN_REQUIRED"  # set by `tracker dashboard` for the app: fail closed
TRUST_ENV = "TRACKER_DASHBOARD_TRUST_UNVERIFIED_EMAIL"  # `--trust-unverified-email`: 1
TENANT_ENV = "TRACKER_DASHBOARD_TENANT"  # `--tenant`: Entra ID's directory (tenant) id
# Microsoft Entra ID's sign-in hosts (worldwide, US government, China): a `tid`, never `email_verified`
ENTRA_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn"}
)
REQUIRED = ("server_metadata_url", "client_id", "client_secret", "cookie_secret", "redirect_uri")
OPTIONAL = ("client_kwargs",)
SECRETS = frozenset({"client_secret", "cookie_secret"})
MIN_COOKIE_SECRET = 32
CALLBACK = "oauth2callback"
NEW_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_LOCAL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+$")


class LoginError(ValueError):
    """A login setting that cannot work: one line, naming the setting, never its secret value."""


@dataclass(frozen=True)
class Login:
    """The `[auth]` settings of one OpenID Connect provider, checked."""

    settings: Mapping[str, object]

    @property
    def provider(self) -> str:
        """The provider's host, as the login button names it (`accounts.google.com`)."""
        return urlsplit(str(self.settings["server_metadata_url"])).netloc

    def describe(self) -> str:
        """One line for the log: the provider, the client and the callback, never a secret."""
        return (
            f"login through {self.settings['server_metadata_url']} (client {self.settings['client_id']}, "
            f"callback {self.settings['redirect_uri']})"
        )

    def secrets_toml(self) -> str:
        """The settings as Streamlit's secrets file: an `[auth]` table."""
        lines = ["[auth]"]
        tables = []
        for key, value in self.settings.items():
            if isinstance(value, Mapping):
                tables.append(f"[auth.{key}]")
                tables += [f"{name} = {_toml_value(item)}" for name, item in value.items()]
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        return "\n".join(lines + tables) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value))  # a JSON string is a TOML basic string


def read_login_file(text: str, source: str) -> dict[str, object]:
    """The `[auth]` table of a login file (Streamlit's secrets format); LoginError naming the file."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LoginError(f"login file {source}: not valid TOML ({exc})") from None
    others = sorted(set(document) - {"auth"})
    if others:
        raise LoginError(f"login file {source}: unknown table or key {others[0]!r} (only [auth] is read)")
    auth = document.get("auth")
    if not isinstance(auth, dict) or not auth:
        raise LoginError(f"login file {source}: no [auth] table")
    return auth


def load_login(
    file_settings: Mapping[str, object] | None,
    environ: Mapping[str, str],
    *,
    source: str = "the environment",
    base_path: str = "",
) -> Login | None:
    """The login from a file's `[auth]` table and `TRACKER_DASHBOARD_AUTH_*` (which win), or None when
    neither says anything. LoginError on an unknown key, a missing one, or a setting that cannot work."""
    settings: dict[str, object] = dict(file_settings or {})
    known = REQUIRED + OPTIONAL
    for key in settings:
        if key not in known:
            hint = " (one provider: put its keys in [auth] itself)" if isinstance(settings[key], dict) else ""
            raise LoginError(
                f"login settings in {source}: unknown key {key!r}{hint}; known: {', '.join(known)}"
            )
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX):
            key = name[len(ENV_PREFIX) :].lower()
            if key not in REQUIRED:
                raise LoginError(
                    f"unknown setting {name}; known: "
                    + ", ".join(ENV_PREFIX + known_key.upper() for known_key in REQUIRED)
                )
            if value.strip():
                settings[key] = value.strip()
    if not settings:
        return None
    missing = [key for key in REQUIRED if not str(settings.get(key) or "").strip()]
    if missing:
        named = ", ".join(f"{key} ({ENV_PREFIX}{key.upper()})" for key in missing)
        raise LoginError(f"the login is incomplete: missing {named}")
    for key in REQUIRED:
        if not isinstance(settings[key], str):
            raise LoginError(f"login setting {key} must be a string")
    if "client_kwargs" in settings and not isinstance(settings["client_kwargs"], dict):
        raise LoginError("login setting client_kwargs must be a table ([auth.client_kwargs])")
    metadata = urlsplit(str(settings["server_metadata_url"]))
    if metadata.scheme not in ("http", "https") or not metadata.netloc:
        raise LoginError(
            "login setting server_metadata_url must be the provider's discovery URL, "
            "https://…/.well-known/openid-configuration"
        )
    if metadata.scheme == "http" and not is_loopback(metadata.hostname or ""):
        raise LoginError(
            f"login setting server_metadata_url must be https (plain http only on loopback): whoever sits "
            f"between here and {metadata.hostname} could name their own provider; use "
            f"https://{metadata.netloc}{metadata.path}"
        )
    secret = str(settings["cookie_secret"])
    if len(secret) < MIN_COOKIE_SECRET:
        raise LoginError(
            f"login setting cookie_secret is too short ({len(secret)} characters; at least "
            f"{MIN_COOKIE_SECRET}): make one with {NEW_SECRET}"
        )
    redirect = urlsplit(str(settings["redirect_uri"]))
    expected = "/" + "/".join(part for part in (base_path.strip("/"), CALLBACK) if part)
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        raise LoginError(
            f"login setting redirect_uri must be the dashboard's absolute URL ending in {expected}"
        )
    if redirect.path.rstrip("/") != expected:
        raise LoginError(
            f"login setting redirect_uri must end in {expected} (the dashboard's base path, then "
            f"/{CALLBACK}), not {redirect.path or '/'}"
        )
    return Login(settings)


def insecure_callback(login: Login) -> bool:
    """Whether the login cookie would travel in clear beyond this machine (http, not loopback)."""
    redirect = urlsplit(str(login.settings["redirect_uri"]))
    return redirect.scheme == "http" and not is_loopback(redirect.hostname or "")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; 0.0.0.0 and every other address are reachable from elsewhere."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secrets_home(environ: Mapping[str, str], home: Path) -> Path:
    """Where `tracker dashboard` keeps the login's secrets file while it serves (never /tmp, which a cleaner
    empties, locking everyone out): under systemd the unit's `RuntimeDirectory=` (a tmpfs: the secrets never
    reach a disk), else its `StateDirectory=`; otherwise `$XDG_STATE_HOME/tracker`, by default
    `~/.local/state/tracker`."""
    for name in ("RUNTIME_DIRECTORY", "STATE_DIRECTORY"):  # systemd: several folders separated by ":"
        first = environ.get(name, "").split(":")[0].strip()
        if first and Path(first).is_absolute():
            return Path(first)
    state = environ.get("XDG_STATE_HOME", "").strip()
    return (Path(state) if state and Path(state).is_absolute() else home / ".local" / "state") / "tracker"


def base_path(text: str) -> str:
    """`/tracker/` as Streamlit's `server.baseUrlPath` wants it (`tracker`); LoginError if unusable."""
    path = text.strip().strip("/")
    if path and not re.fullmatch(r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*", path):
        raise LoginError(
            f"base path {text!r}: use letters, digits, '-', '_', '.' and '/' only, e.g. /tracker/"
        )
    return path


# --- the allow-list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowList:
    """Whole addresses (`alice@example.com`), domains (`@example.com`), or everyone the provider logs in
    (`*`). Matched without regard to case."""

    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    everyone: bool = False

    def __bool__(self) -> bool:
        return self.everyone or bool(self.addresses or self.domains)

    def entries(self) -> list[str]:
        """The list as `TRACKER_DASHBOARD_ALLOW` writes it."""
        if self.everyone:
            return ["*"]
        return sorted(self.addresses) + sorted(f"@{domain}" for domain in self.domains)

    def describe(self) -> str:
        return "everyone the provider logs in" if self.everyone else ", ".join(self.entries())


def parse_allow(text: str | None) -> AllowList:
    """`TRACKER_DASHBOARD_ALLOW`: entries separated by spaces or commas; LoginError on a malformed one."""
    addresses: set[str] = set()
    domains: set[str] = set()
    everyone = False
    for entry in re.split(r"[\s,]+", (text or "").strip().lower()):
        if not entry:
            continue
        if entry == "*":
            everyone = True
        elif entry.startswith("@") and _DOMAIN.match(entry[1:]):
            domains.add(entry[1:])
        elif (
            entry.count("@") == 1 and _LOCAL.match(entry.split("@")[0]) and _DOMAIN.match(entry.split("@")[1])
        ):
            addresses.add(entry)
        else:
            raise LoginError(
                f"{ALLOW_ENV}: {entry!r} is neither an e-mail address (alice@example.com), a domain "
                "(@example.com) nor * (everyone the provider logs in)"
            )
    return AllowList(frozenset(addresses), frozenset(domains), everyone)


@dataclass(frozen=True)
class ClaimRules:
    """What the provider's claims must say, beyond the allow-list's address.

    trust_unverified_email: admit an address whose provider sends no `email_verified` claim at all (some
        never do: Microsoft Entra ID). Off by default; a claim that says anything but true still refuses.
    tenant: the Entra ID tenant (directory) id, lower case, that the account's `tid` claim must name; ""
        for no check (providers without tenants)."""

    trust_unverified_email: bool = False
    tenant: str = ""

    def describe(self) -> str:
        """For the start line, after the readers: "" for the defaults."""
        said = [f"tenant {self.tenant}"] if self.tenant else []
        said += (
            ["an address the provider says nothing of counts as verified"]
            if self.trust_unverified_email
            else []
        )
        return "".join(f"; {part}" for part in said)


def is_entra(server_metadata_url: str) -> bool:
    """Whether the provider is Microsoft Entra ID (its accounts carry a tenant, `tid`)."""
    return (urlsplit(server_metadata_url).hostname or "").lower() in ENTRA_HOSTS


def claim_rules(
    server_metadata_url: str, *, trust_unverified_email: bool = False, tenant: str | None = None
) -> ClaimRules:
    """The rules for this provider, checked; LoginError (one line) for a pair that cannot be safe: a tenant
    for a provider without tenants, or Entra ID's addresses trusted without its tenant (any organisation's
    account could then claim an address at your domain)."""
    chosen = (tenant or "").strip().lower()
    if chosen:
        try:
            chosen = str(uuid.UUID(chosen))
        except ValueError:
            raise LoginError(
                f"--tenant ({TENANT_ENV}): {tenant.strip()!r} is not a tenant id (Entra ID's directory id, "
                "a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)"
            ) from None
        if not is_entra(server_metadata_url):
            raise LoginError(
                f"--tenant ({TENANT_ENV}) checks Microsoft Entra ID's tid claim, and the login's provider "
                f"{urlsplit(server_metadata_url).netloc} is not Entra ID: it would refuse everyone"
            )
    if trust_unverified_email and is_entra(server_metadata_url) and not chosen:
        raise LoginError(
            f"--trust-unverified-email ({TRUST_ENV}) with Microsoft Entra ID needs --tenant ({TENANT_ENV}): "
            "without it, an account of any organisation could claim an address at your domain"
        )
    return ClaimRules(trust_unverified_email=trust_unverified_email, tenant=chosen)


def claim_rules_from(environ: Mapping[str, str], server_metadata_url: str) -> ClaimRules:
    """The rules `tracker dashboard` hands to the app (`TRUST_ENV`, `TENANT_ENV`), checked again there."""
    return claim_rules(
        server_metadata_url,
        trust_unverified_email=environ.get(TRUST_ENV, "").strip() == "1",
        tenant=environ.get(TENANT_ENV),
    )


def _said_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def refusal(allow: AllowList, user: Mapping[str, object], rules: ClaimRules = ClaimRules()) -> str | None:
    """Why this logged-in account may not read the dashboard, or None when it may.

    The tenant first (with one configured, whatever the list). Then an address counts only when the
    provider says it is verified (`email_verified` true, or "true"): anyone can type any address into some
    providers' sign-up forms. A missing claim passes only with `rules.trust_unverified_email`."""
    if rules.tenant and str(user.get("tid") or "").strip().lower() != rules.tenant:
        return "this account belongs to another tenant (directory) than the dashboard's"
    if allow.everyone:
        return None
    email = str(user.get("email") or "").strip().lower()
    if not email:
        return "the provider gave no e-mail address for this account"
    verified = user.get("email_verified")
    if not _said_true(verified) and not (verified is None and rules.trust_unverified_email):
        if verified is None:
            return "the provider does not say this e-mail address is verified"
        return "the provider says this e-mail address is not verified"
    if email in allow.addresses or email.rpartition("@")[2] in allow.domains:
        return None
    return "this account is not on the dashboard's list of readers"

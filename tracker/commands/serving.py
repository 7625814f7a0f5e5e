"""Where and to whom `tracker dashboard` serves, checked before Streamlit starts, and the private folder
where it hands Streamlit the login's secrets (`tracker.core.login` holds the rules; this module reads the
files, asks the provider, and makes the folder)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from tracker.core.login import (
    ALLOW_ENV,
    ENV_PREFIX,
    AllowList,
    ClaimRules,
    Login,
    LoginError,
    base_path,
    claim_rules,
    insecure_callback,
    is_entra,
    is_loopback,
    load_login,
    parse_allow,
    read_login_file,
    secrets_home,
)

METADATA_TIMEOUT_S = 10
TEAM_SECTION = 'docs/operations.md, "Serving the dashboard to a team"'


@dataclass(frozen=True)
class Serving:
    """Where and to whom `tracker dashboard` serves: checked before Streamlit starts."""

    host: str = "127.0.0.1"
    port: int = 8501
    base_path: str = ""  # Streamlit's server.baseUrlPath: no slashes around it
    login: Login | None = None
    allow: AllowList = AllowList()
    rules: ClaimRules = ClaimRules()  # what the provider's claims must say (verified address, tenant)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/" + (f"{self.base_path}/" if self.base_path else "")


def check_serving(
    host: str,
    port: int,
    base: str,
    login_file: Path | None,
    allow: tuple[str, ...],
    *,
    trust_unverified_email: bool = False,
    tenant: str | None = None,
) -> Serving:
    """The settings from the options and the environment, checked; ClickException (one line) otherwise."""
    try:
        path = base_path(base)
        file_settings = None
        source = "the environment"
        if login_file is not None:
            try:
                text = login_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise LoginError(f"cannot read login file {login_file}: {exc.strerror or exc}") from None
            except UnicodeDecodeError:
                raise LoginError(f"login file {login_file}: not UTF-8 text") from None
            file_settings = read_login_file(text, str(login_file))
            source = str(login_file)
        login = load_login(file_settings, os.environ, source=source, base_path=path)
        readers = parse_allow(" ".join(allow))
        rules = ClaimRules()
        if login is not None:
            rules = claim_rules(
                str(login.settings["server_metadata_url"]),
                trust_unverified_email=trust_unverified_email,
                tenant=tenant,
            )
    except LoginError as exc:
        raise click.ClickException(str(exc)) from None
    if login is not None and not readers:
        raise click.ClickException(
            f"a login needs a list of readers: --allow or {ALLOW_ENV} (addresses, @domains, or * for "
            "everyone the provider logs in)"
        )
    if login is None and readers:
        raise click.ClickException(
            f"--allow / {ALLOW_ENV} needs a login to check it against: --login FILE or "
            f"{ENV_PREFIX}* (see {TEAM_SECTION})"
        )
    if login is None and (trust_unverified_email or (tenant or "").strip()):
        raise click.ClickException(
            "--trust-unverified-email and --tenant need a login whose accounts they check: --login FILE "
            f"or {ENV_PREFIX}* (see {TEAM_SECTION})"
        )
    if login is not None:
        check_provider(str(login.settings["server_metadata_url"]))
    return Serving(host=host, port=port, base_path=path, login=login, allow=readers, rules=rules)


def check_provider(url: str) -> None:
    """The provider's discovery document answers and is one: a wrong URL fails now, not at first login."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=METADATA_TIMEOUT_S) as response:  # noqa: S310 - http(s) only
            document = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"the login's provider answers {exc.code} at {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise click.ClickException(f"the login's provider does not answer at {url}: {reason}") from None
    except ValueError:
        raise click.ClickException(f"the login's provider at {url} did not send JSON") from None
    if not isinstance(document, dict) or not document.get("authorization_endpoint"):
        raise click.ClickException(
            f"{url} is not an OpenID Connect discovery document (no authorization_endpoint); use the "
            "provider's …/.well-known/openid-configuration"
        )


def warnings(serving: Serving) -> list[str]:
    """What the operator should hear at start: an open dashboard beyond loopback, a login in clear, an
    Entra ID login that will refuse every address (it never says one is verified)."""
    if serving.login is None and not is_loopback(serving.host):
        return [
            f"warning: no login configured and the dashboard binds {serving.host}: anyone who can reach "
            f"this address can read it; configure a login with --login FILE and --allow (see {TEAM_SECTION})"
        ]
    found = []
    if serving.login is not None and insecure_callback(serving.login):
        found.append(
            f"warning: the login's callback {serving.login.settings['redirect_uri']} is plain http: the "
            "login cookie travels in clear; serve the dashboard behind TLS (see " + TEAM_SECTION + ")"
        )
    entra = serving.login is not None and is_entra(str(serving.login.settings["server_metadata_url"]))
    if entra and not serving.allow.everyone and not serving.rules.trust_unverified_email:
        found.append(
            "warning: Microsoft Entra ID never says an address is verified, so this list admits no one; "
            f"see --trust-unverified-email and --tenant ({TEAM_SECTION})"
        )
    if entra and serving.allow.everyone and not serving.rules.tenant:
        found.append(
            "warning: --allow * with Microsoft Entra ID and no --tenant: the accounts of every organisation "
            "the app lets in can read the dashboard; give --tenant"
        )
    return found


@contextlib.contextmanager
def private_folder(environ: Mapping[str, str]) -> Iterator[Path]:
    """A folder of this dashboard's own (mode 0700) in `login.secrets_home` (made 0700 if missing), removed
    when the block ends; one line naming the folder if it cannot be made."""
    home = secrets_home(environ, Path.home())
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="dashboard-", dir=home))  # mode 0700
    except OSError as exc:
        raise click.ClickException(
            f"cannot make the dashboard's private folder in {home}: {exc.strerror or exc} (set "
            "XDG_STATE_HOME, or RuntimeDirectory= under systemd)"
        ) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_private(path: Path, text: str) -> None:
    """`text` into a new file only its owner can read (mode 0600 from the start, never wider)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)

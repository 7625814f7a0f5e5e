"""The login admits an e-mail address only when the provider says it is verified (issue 27, item 7): a
missing `email_verified` (Microsoft Entra ID never sends one), `0` or `"no"` is not a yes. A deployment
whose provider never sends the claim opts out explicitly (`--trust-unverified-email`); with Entra ID it
must then name its tenant (`--tenant`), and the account's `tid` claim must be that tenant."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.commands import tracker
from tests.support.dashboard_db import build_database
from tests.support.paths import APP
from tracker.commands.serving import Serving, warnings
from tracker.core.login import ClaimRules, LoginError, claim_rules, load_login, parse_allow, refusal

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"  # Entra's tenant of personal Microsoft accounts
ENTRA = f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration"
ENTRA_COMMON = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
GOOGLE = "https://accounts.google.com/.well-known/openid-configuration"
ALLOW = parse_allow("@example.com")


@pytest.mark.parametrize("verified", [None, False, "false", 0, "0", "no", "", "yes-ish", 1, "1"])
def test_an_address_not_said_verified_is_refused(verified: object) -> None:
    user = {"email": "dan@example.com"} | ({} if verified is None else {"email_verified": verified})
    why = refusal(ALLOW, user)
    assert why is not None
    assert "verified" in why


@pytest.mark.parametrize("verified", [True, "true", "True"])
def test_an_address_said_verified_is_admitted(verified: object) -> None:
    assert refusal(ALLOW, {"email": "dan@example.com", "email_verified": verified}) is None


def test_the_opt_out_admits_a_missing_claim_but_never_a_no() -> None:
    rules = ClaimRules(trust_unverified_email=True)
    assert refusal(ALLOW, {"email": "dan@example.com"}, rules) is None
    assert "not verified" in refusal(ALLOW, {"email": "dan@example.com", "email_verified": False}, rules)
    assert "not verified" in refusal(ALLOW, {"email": "dan@example.com", "email_verified": "no"}, rules)
    assert refusal(ALLOW, {"email": "dan@elsewhere.org"}, rules) is not None


def test_the_tenant_is_checked_for_every_account_even_with_everyone_allowed() -> None:
    rules = ClaimRules(trust_unverified_email=True, tenant=TENANT)
    ours = {"email": "dan@example.com", "tid": TENANT.upper()}
    assert refusal(ALLOW, ours, rules) is None
    assert "tenant" in refusal(ALLOW, {**ours, "tid": OTHER_TENANT}, rules)
    assert "tenant" in refusal(ALLOW, {"email": "dan@example.com"}, rules)  # no tid: not ours
    everyone = parse_allow("*")
    assert refusal(everyone, {"sub": "1", "tid": TENANT}, rules) is None
    assert "tenant" in refusal(everyone, {"sub": "1", "tid": OTHER_TENANT}, rules)


def test_the_rules_at_start() -> None:
    assert claim_rules(GOOGLE) == ClaimRules()
    assert claim_rules(GOOGLE, trust_unverified_email=True) == ClaimRules(trust_unverified_email=True)
    assert claim_rules(ENTRA, trust_unverified_email=True, tenant=f" {TENANT.upper()} ") == ClaimRules(
        trust_unverified_email=True, tenant=TENANT
    )
    assert claim_rules(ENTRA_COMMON, tenant=TENANT) == ClaimRules(tenant=TENANT)
    assert ClaimRules().describe() == ""  # the start line says nothing more by default
    assert (
        ClaimRules(True, TENANT).describe()
        == f"; tenant {TENANT}; an address the provider says nothing of counts as verified"
    )
    with pytest.raises(LoginError, match="--tenant"):
        claim_rules(ENTRA_COMMON, trust_unverified_email=True)  # any tenant's account could claim any address
    with pytest.raises(LoginError, match="not a tenant id"):
        claim_rules(ENTRA, tenant="contoso.onmicrosoft.com")
    with pytest.raises(LoginError, match="Microsoft Entra ID"):
        claim_rules(GOOGLE, tenant=TENANT)  # no tid claim: it would refuse everyone


# --- the command: one line, exit 1, before anything is served or asked of the provider --------------


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust-unverified-email"], "needs --tenant"),
        (["--tenant", "contoso"], "not a tenant id"),
    ],
)
def test_tracker_dashboard_refuses_an_opt_out_without_its_tenant(
    args: list[str], message: str, tmp_path: Path
) -> None:
    login = tmp_path / "login.toml"
    login.write_text(
        "[auth]\n"
        f'server_metadata_url = "{ENTRA_COMMON}"\n'
        'client_id = "tracker-dashboard"\n'
        f'client_secret = "{secrets.token_urlsafe(16)}"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'redirect_uri = "https://intranet.example/oauth2callback"\n'
    )
    done = tracker(
        "dashboard",
        "--database",
        f"sqlite:///{tmp_path / 'none.db'}",
        "--login",
        str(login),
        "--allow",
        "@example.com",
        *args,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert message in line


# --- the gate (AppTest) -----------------------------------------------------------------------------

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": secrets.token_urlsafe(32),
    "client_id": "tracker-dashboard",
    "client_secret": secrets.token_urlsafe(16),
    "server_metadata_url": ENTRA,
}


@pytest.fixture(scope="module")
def one_week(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_database(tmp_path_factory.mktemp("claims") / "tracker.db", weeks=1)


def _as(one_week: str, monkeypatch: pytest.MonkeyPatch, user: dict, env: dict[str, str]) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", one_week)
    monkeypatch.setenv("TRACKER_DASHBOARD_ALLOW", "@example.com")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, **user}
    at.run()
    assert not at.exception
    return at


def _shows_data(at: AppTest) -> bool:
    return bool(at.metric or at.get("vega_lite_chart"))


ENTRA_USER = {"email": "alice@example.com", "name": "Alice", "tid": TENANT}  # no email_verified: Entra's way
OPT_OUT = {"TRACKER_DASHBOARD_TRUST_UNVERIFIED_EMAIL": "1", "TRACKER_DASHBOARD_TENANT": TENANT}


def test_the_gate_refuses_an_unverified_address(one_week: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _as(one_week, monkeypatch, ENTRA_USER, {})
    assert not _shows_data(at)
    assert "verified" in at.warning[0].value


def test_the_gate_admits_it_with_the_opt_out_in_its_tenant(
    one_week: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _shows_data(_as(one_week, monkeypatch, ENTRA_USER, OPT_OUT))


def test_the_gate_refuses_another_tenant(one_week: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _as(one_week, monkeypatch, {**ENTRA_USER, "tid": OTHER_TENANT}, OPT_OUT)
    assert not _shows_data(at)
    assert "tenant" in at.warning[0].value


def test_the_gate_fails_closed_on_an_opt_out_without_a_tenant(
    one_week: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"TRACKER_DASHBOARD_TRUST_UNVERIFIED_EMAIL": "1"}
    monkeypatch.delenv("TRACKER_DASHBOARD_TENANT", raising=False)
    at = _as(one_week, monkeypatch, ENTRA_USER, env)
    assert not _shows_data(at)
    assert "--tenant" in at.error[0].value


def test_the_start_warns_of_an_entra_login_that_admits_no_one_or_anyone() -> None:
    entra = load_login({**AUTH, "server_metadata_url": ENTRA_COMMON}, {})
    (none,) = warnings(Serving(login=entra, allow=ALLOW))
    assert "admits no one" in none
    (anyone,) = warnings(Serving(login=entra, allow=parse_allow("*")))
    assert "give --tenant" in anyone
    assert not warnings(Serving(login=entra, allow=ALLOW, rules=ClaimRules(True, TENANT)))
    assert not warnings(Serving(login=load_login({**AUTH, "server_metadata_url": GOOGLE}, {}), allow=ALLOW))

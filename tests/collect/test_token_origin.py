"""The Hub token goes to the configured endpoint's origin (scheme, host, port) only, and never over plain
http when the endpoint is https: redirects and next pages to another origin are followed without it, over
real HTTP (the emulator, told to name another origin, and a second server that records what it receives).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tracker.collect.archive import ArchiveError, HubArchive
from tracker.collect.hub import HubClient
from tracker.collect.origins import InsecureRequest, TokenGuard, origin
from tracker.collect.transport import HubError, ModelNotFound
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.faults import FaultPlan
from tracker.emulator.routes.server import HubEmulator

TOKEN = "hf_TESTtokenNEVERshownANYWHERE0123456789"
BIG = "meta-llama/Llama-3.1-8B-Instruct"  # more than 1,000 children: a second page
OLD = "meta-llama/Meta-Llama-3.1-8B-Instruct"  # renamed: its lookup answers 307


class Recorder:
    """An HTTP(S) server on a free port of 127.0.0.1 that records each request's path and Authorization.

    Answers `[]` to a listing, 404 to anything else, or `redirect_to` + the path with a 307 when set."""

    def __init__(self, tls: ssl.SSLContext | None = None, redirect_to: str = "") -> None:
        self.requests: list[tuple[str, str | None]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the base class's name
                recorder.requests.append((self.path, self.headers.get("Authorization")))
                if redirect_to:
                    self._answer(307, b"", {"Location": redirect_to + self.path})
                elif self.path.startswith("/api/models?"):
                    self._answer(200, b"[]", {"Content-Type": "application/json"})
                else:
                    body = json.dumps({"error": "Repository not found"}).encode()
                    self._answer(404, body, {"Content-Type": "application/json"})

            def do_HEAD(self) -> None:  # noqa: N802
                recorder.requests.append((self.path, self.headers.get("Authorization")))
                self._answer(404, b"", {})

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Recorder:
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def tokens(self) -> list[str | None]:
        return [auth for _, auth in self.requests]


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


def test_the_endpoint_itself_receives_the_token() -> None:
    """The control: the rule keeps the token where it belongs."""
    with Recorder() as endpoint, HubClient(endpoint.url, token=TOKEN) as client:
        with pytest.raises(ModelNotFound):
            client.model("a/b")
    assert endpoint.tokens() == [f"Bearer {TOKEN}"]


def test_a_redirect_to_another_origin_gets_no_token(catalogue: Catalogue, elsewhere: Recorder) -> None:
    with HubEmulator(catalogue, plan=FaultPlan(redirect_origin=elsewhere.url)) as hub:
        with HubClient(hub.url, token=TOKEN) as client, pytest.raises(ModelNotFound):
            client.model(OLD)  # 307 to the other origin, which knows no such model
    assert len(elsewhere.requests) == 1
    assert elsewhere.requests[0][0].startswith(f"/api/models/{BIG}")
    assert elsewhere.tokens() == [None]


def test_a_next_page_on_another_origin_gets_no_token(catalogue: Catalogue, elsewhere: Recorder) -> None:
    with HubEmulator(catalogue, plan=FaultPlan(redirect_origin=elsewhere.url)) as hub:
        with HubClient(hub.url, token=TOKEN) as client:
            kids = client.children(BIG)
    assert len(kids) == 1000  # the first page; the second, on the other origin, was empty
    assert len(elsewhere.requests) == 1
    assert elsewhere.requests[0][0].startswith("/api/models?")
    assert elsewhere.tokens() == [None]


def test_huggingface_hub_s_pages_and_redirects_carry_no_token_elsewhere(
    small: Catalogue, elsewhere: Recorder
) -> None:
    """The archive reads through huggingface_hub's shared session: its next pages (`paginate`, as
    `list_repo_tree` follows them) and its redirects (a file's resolve URL) keep the token on the Hub."""
    from huggingface_hub import HfApi

    plan = FaultPlan(redirect_origin=elsewhere.url)
    with HubEmulator(small, plan=plan, archive_redirects=True) as hub:
        archive = HubArchive(hub.url, token=TOKEN)
        files = archive.files()
        with pytest.raises(Exception):  # noqa: B017, PT011 - the "CDN" is the recorder, which has no file
            archive.open(files[0]).read(4)
        pages = list(HfApi(endpoint=hub.url, token=TOKEN).list_models())
    assert len(pages) == 1000  # the first page; the second, on the other origin, was empty
    assert any(path.startswith("/api/models?") for path, _ in elsewhere.requests)
    assert any("/datasets/" in path for path, _ in elsewhere.requests)
    assert set(elsewhere.tokens()) == {None}


# --- https: no downgrade ------------------------------------------------------------------------------


def _self_signed(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 and the certificate file a client trusts it by."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    loopback = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(loopback, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


def test_an_https_endpoint_never_sends_a_request_over_http(
    tmp_path: Path, elsewhere: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An https endpoint that redirects to plain http: the crawl refuses the hop, in one line."""
    context, cert_file = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # httpx2 trusts this certificate alone
    with Recorder(tls=context, redirect_to=elsewhere.url) as endpoint:
        with HubClient(endpoint.url, token=TOKEN) as client:
            with pytest.raises(HubError, match=r"plain http") as refused:
                client.model("a/b")
    assert endpoint.tokens() == [f"Bearer {TOKEN}"]  # over TLS, to the endpoint itself
    assert elsewhere.requests == []
    assert TOKEN not in str(refused.value)
    assert "\n" not in str(refused.value)


# --- the rule ------------------------------------------------------------------------------------------


def test_an_origin_is_scheme_host_and_port() -> None:
    assert origin("https://HuggingFace.co/api/models?x=1") == ("https", "huggingface.co", 443)
    assert origin("https://huggingface.co:443") == origin("https://huggingface.co/")
    assert origin("http://127.0.0.1:8765/api") == ("http", "127.0.0.1", 8765)
    assert origin("https://user:pw@huggingface.co/") == ("https", "huggingface.co", 443)


@pytest.mark.parametrize(
    ("url", "carries"),
    [
        ("https://huggingface.co/api/models/a/b", True),
        ("https://HUGGINGFACE.CO:443/api/models?cursor=x", True),
        ("http://huggingface.co/api/models", False),  # a downgrade: refused outright, see below
        ("https://huggingface.co:8443/api/models", False),
        ("https://cdn-lfs.huggingface.co/repos/x", False),
        ("https://huggingface.co.evil.example/api/models", False),
        ("https://evil.example/huggingface.co/api/models", False),
        ("https://huggingface.co@evil.example/api/models", False),
    ],
)
def test_the_token_goes_to_the_endpoint_s_origin_alone(url: str, carries: bool) -> None:
    import httpx2

    request = httpx2.Request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"})
    TokenGuard("https://huggingface.co").on_request(request)
    assert ("Authorization" in request.headers) is carries


@pytest.mark.parametrize(
    ("source", "target", "refused"),
    [
        ("https://huggingface.co/api/models/a", "http://huggingface.co/api/models/b", True),
        ("https://huggingface.co/api/models", "http://cdn.example/x", True),
        ("https://huggingface.co/api/models", "/api/models?cursor=x", False),
        ("https://huggingface.co/api/models", "https://cdn.example/x", False),
        ("http://127.0.0.1:8765/api/models", "http://127.0.0.1:9999/x", False),  # the emulator: http
        ("http://127.0.0.1:8765/api/models", "https://127.0.0.1:9999/x", False),
    ],
)
def test_no_hop_leaves_https_for_plain_http(source: str, target: str, refused: bool) -> None:
    import httpx2

    guard = TokenGuard(source)
    for headers in ({"Location": target}, {"Link": f'<{target}>; rel="next"'}):
        response = httpx2.Response(307, headers=headers, request=httpx2.Request("GET", source))
        if refused:
            with pytest.raises(InsecureRequest, match="plain http after https"):
                guard.on_response(response)
        else:
            guard.on_response(response)


def test_a_downgrade_in_the_archive_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub's session refuses the hop too; the archive says so in one line."""
    with Recorder() as plain:
        context, cert_file = _self_signed(tmp_path)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        with Recorder(tls=context, redirect_to=plain.url) as endpoint:
            from huggingface_hub import close_session

            close_session()  # a fresh client, which reads SSL_CERT_FILE
            try:
                with pytest.raises(ArchiveError, match="plain http") as refused:
                    HubArchive(endpoint.url, token=TOKEN)
            finally:
                close_session()
    assert plain.requests == []
    assert endpoint.tokens() == [f"Bearer {TOKEN}"]
    assert "\n" not in str(refused.value)

"""The organisations file: the shipped seed, the rules a row must keep (each refusal names its line),
and the namespace no file names (its own organisation, region `unknown`)."""

from __future__ import annotations

import csv
import importlib.resources
from pathlib import Path

import pytest

from tracker.core.organisations import (
    MAX_BYTES,
    REGIONS,
    Organisations,
    OrganisationsError,
    default_organisations_path,
    load_organisations,
    parse_organisations,
)

HEADER = "namespace,organisation,region\n"


# --- the shipped file ----------------------------------------------------------------------------


def test_the_shipped_file_parses_and_maps_the_namespaces_the_view_needs() -> None:
    shipped = load_organisations(None)
    assert len(shipped) == 125  # the seed's 124 and Code Llama's namespace
    assert shipped.of("meta-llama") == ("Meta", "us")
    assert shipped.of("meta-models") == ("Meta", "us")  # Muse's namespace: Meta, like Llama's
    assert shipped.of("codellama") == ("Meta", "us")
    assert shipped.of("facebook") == ("Meta", "us")
    assert shipped.of("Qwen") == ("Alibaba", "china")
    assert shipped.of("qwen") == ("Alibaba", "china")  # Hub names are case-insensitive
    assert shipped.of("mistralai") == ("Mistral AI", "eu")
    assert shipped.of("deepseek-ai") == ("DeepSeek", "china")
    assert shipped.of("CohereLabs") == ("Cohere", "other")
    assert shipped.of("TheBloke") == ("TheBloke", "unknown")  # not in the file: its own organisation
    assert shipped["THUDM"] == shipped["zai-org"] == ("Zhipu AI", "china")
    assert "QWEN" in shipped
    assert "TheBloke" not in shipped
    assert {region for _, region in shipped.values()} == set(REGIONS)


def test_the_shipped_file_is_the_package_resource_and_the_same_by_path() -> None:
    resource = importlib.resources.files("tracker") / "data" / "hub-organisations.csv"
    assert resource.is_file()
    assert default_organisations_path().is_file()
    assert dict(load_organisations(default_organisations_path())) == dict(load_organisations(None))
    with default_organisations_path().open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["namespace", "organisation", "region"]
    assert len(rows) == 126


def test_it_is_immutable() -> None:
    orgs = parse_organisations(HEADER + "Qwen,Alibaba,china\n", "t.csv")
    assert dict(orgs) == {"qwen": ("Alibaba", "china")}
    with pytest.raises(TypeError):
        orgs["x"] = ("X", "us")  # type: ignore[index]
    with pytest.raises(TypeError):
        orgs._entries["x"] = ("X", "us")  # type: ignore[index]
    with pytest.raises(AttributeError):
        orgs.source = "elsewhere"  # type: ignore[misc]
    assert repr(orgs) == "Organisations(1 namespaces from t.csv)"


# --- parsing ---------------------------------------------------------------------------------------


def test_a_good_file_with_its_tolerances() -> None:
    text = (
        "\ufeffnamespace, organisation ,region\r\n"  # spaces around a cell, Windows line ends
        "\r\n"  # a blank line
        'Qwen,"Alibaba, Inc.",china\r\n'  # a quoted comma
        " meta-models , Meta , us \r\n"
        "someone,Someone,unknown"  # no final newline
    )
    orgs = parse_organisations(text.removeprefix("\ufeff"), "t.csv")
    assert dict(orgs) == {
        "qwen": ("Alibaba, Inc.", "china"),
        "meta-models": ("Meta", "us"),
        "someone": ("Someone", "unknown"),
    }
    assert orgs.of("Meta-Models") == ("Meta", "us")
    assert orgs.of("") == ("", "unknown")
    assert dict(parse_organisations(HEADER, "t.csv")) == {}  # a header alone: every namespace unknown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty: no header (namespace,organisation,region)"),
        ("\n\n", "empty: no header (namespace,organisation,region)"),
        (
            "namespace,organization,region\n",
            "line 1: the header must be 'namespace,organisation,region', got 'namespace,organization,region'",
        ),
        (
            "\nQwen,Alibaba,china\n",
            "line 2: the header must be 'namespace,organisation,region', got 'Qwen,Alibaba,china'",
        ),
        (HEADER + "Qwen,Alibaba\n", "line 2: 2 columns, expected 3 (namespace,organisation,region)"),
        (HEADER + "a,A,us\nQwen,Alibaba,china,x\n", "line 3: 4 columns, expected 3"),
        (HEADER + "a,A,us\n\nQwen\n", "line 4: 1 columns, expected 3"),
        (HEADER + ",Alibaba,china\n", "line 2: empty namespace"),
        (HEADER + " ,Alibaba,china\n", "line 2: empty namespace"),
        (HEADER + ",,\n", "line 2: empty namespace"),
        (HEADER + "Qwen,,china\n", "line 2: empty organisation"),
        (HEADER + "Qwen, ,china\n", "line 2: empty organisation"),
        (HEADER + "Qwen/Qwen3-8B,Alibaba,china\n", "line 2: namespace 'Qwen/Qwen3-8B' is not a Hub user"),
        (HEADER + "foo bar,X,us\n", "line 2: namespace 'foo bar' is not a Hub user or organisation name"),
        (HEADER + "-x,X,us\n", "line 2: namespace '-x' is not a Hub user"),
        (HEADER + "a--b,X,us\n", "line 2: namespace 'a--b' is not a Hub user"),
        (
            HEADER + "Qwen,Alibaba,China\n",
            "line 2: region 'China' is not one of us, china, eu, other, unknown",
        ),
        (HEADER + "Qwen,Alibaba,asia\n", "line 2: region 'asia' is not one of us, china, eu, other, unknown"),
        (HEADER + "Qwen,Alibaba,\n", "line 2: region '' is not one of"),
        (
            HEADER + "Qwen,Alibaba,china\nx,X,us\nqwen,Alibaba Cloud,china\n",
            "line 4: namespace 'qwen' is listed twice (also on line 2)",
        ),
        (HEADER + "x,=HYPERLINK(1),us\n", "line 2: organisation '=HYPERLINK(1)' starts with '='"),
        (HEADER + 'x,"A\nB",us\n', "line 3: organisation 'A\\nB' holds a control character"),
        (HEADER + "x," + "A" * 201 + ",us\n", "line 2: organisation longer than 200 characters"),
        (HEADER + 'x,"unterminated,us\n', "line 2: not valid CSV: unexpected end of data"),
    ],
)
def test_a_malformed_file_is_refused_naming_its_line(text: str, message: str) -> None:
    with pytest.raises(OrganisationsError) as refused:
        parse_organisations(text, "orgs.csv")
    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith(f"organisations file orgs.csv: {message}"), line


def test_every_row_error_names_the_line_an_editor_shows(tmp_path: Path) -> None:
    rows = [f"ns{i},Org {i},us" for i in range(40)]
    rows[29] = "ns29,Org 29,mars"
    path = tmp_path / "orgs.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(OrganisationsError) as refused:
        load_organisations(str(path))
    assert str(refused.value) == (
        f"organisations file {path}: line 31: region 'mars' is not one of us, china, eu, other, unknown"
    )


# --- reading ---------------------------------------------------------------------------------------


def test_a_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "TheBloke,TheBloke,other\n").encode())  # a BOM is fine
    orgs = load_organisations(str(path))
    assert isinstance(orgs, Organisations)
    assert orgs.source == str(path)
    assert orgs.of("thebloke") == ("TheBloke", "other")
    assert orgs.of("meta-llama") == ("meta-llama", "unknown")  # the shipped file is not merged in


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p, "file not found"),
        (lambda p: p.mkdir() or p, "is a directory, not a file"),
        (lambda p: p.write_bytes(HEADER.encode() + b"x,\xff,us\n") and p, "not valid UTF-8 (byte 32)"),
        (
            lambda p: p.write_bytes(HEADER.encode() + b" " * MAX_BYTES) and p,
            f"larger than {MAX_BYTES:,} bytes",
        ),
    ],
    ids=["missing", "directory", "not utf-8", "too large"],
)
def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path, make, problem: str) -> None:  # noqa: ANN001
    path = make(tmp_path / "orgs.csv")
    with pytest.raises(OrganisationsError) as refused:
        load_organisations(path)
    assert str(refused.value) == f"organisations file {path}: {problem}"

"""The ecosystems-file block of `tracker bases BASE_ID`: TOML strings that hold whatever they are given,
names the file's rule accepts, and blocks the ecosystems parser loads."""

from __future__ import annotations

import tomllib

import pytest

from tracker.core.ecosystem_block import ecosystem_block, ecosystem_name, toml_string
from tracker.core.ecosystems import parse_ecosystems

NASTY = [
    "plain/id",
    'quote"inside',
    "back\\slash",
    'end\\"\n[[ecosystem]]\nname = "x"',
    "tab\there\rand\ffeed\bback",
    "nul\x00 unit\x1f del\x7f",
    "Ünïcödé 模型 🦙",
    "\u2028line separator\u202eright-to-left",
    "'''",
    '"""',
]


@pytest.mark.parametrize("value", NASTY)
def test_a_toml_string_holds_anything(value: str) -> None:
    assert tomllib.loads(f"key = {toml_string(value)}\n") == {"key": value}


@pytest.mark.parametrize(
    ("base_id", "taken", "name"),
    [
        ("meta-llama/Llama-3.1-8B", (), "llama-3-1-8b"),
        ("stabilityai/stable-diffusion-xl-base-1.0", (), "stable-diffusion-xl-base-1-0"),
        ("Qwen/Qwen2.5-7B", ("qwen2-5-7b",), "qwen2-5-7b-2"),
        ("Qwen/Qwen2.5-7B", ("QWEN2-5-7B", "qwen2-5-7b-2"), "qwen2-5-7b-3"),
        ("someone/__x__", (), "x"),
        ("someone/_._", (), "base"),
        ("gpt2", (), "gpt2"),  # a legacy id, without a namespace
    ],
)
def test_names_follow_the_files_rule(base_id: str, taken: tuple[str, ...], name: str) -> None:
    assert ecosystem_name(base_id, taken) == name


@pytest.mark.parametrize("base_id", ["meta-llama/Llama-3.1-8B", "someone/Other", "a_b/_c_", "x/y"])
def test_a_block_parses(base_id: str) -> None:
    block = ecosystem_block(base_id, whole_namespace=True, comments=["one\nline", "two"])
    (ecosystem,) = parse_ecosystems(block)
    assert ecosystem.families[0].roots == (base_id,)
    assert ecosystem.authors == (base_id.split("/")[0],)
    assert block.startswith("\n# one?line\n# two\n[[ecosystem]]\n")


def test_the_block_of_a_base_named_other_keeps_the_reserved_family_name_free() -> None:
    (ecosystem,) = parse_ecosystems(ecosystem_block("someone/other"))
    assert (ecosystem.label, ecosystem.families[0].name, ecosystem.authors) == ("other", "someone/other", ())


def test_the_exact_block() -> None:
    assert ecosystem_block("stabilityai/stable-diffusion-xl-base-1.0", taken=["llama"]) == (
        "\n"
        "[[ecosystem]]\n"
        'name = "stable-diffusion-xl-base-1-0"\n'
        'label = "stable-diffusion-xl-base-1.0"\n'
        "enabled = true\n"
        "\n"
        "  [[ecosystem.family]]\n"
        '  name = "stable-diffusion-xl-base-1.0"\n'
        '  roots = ["stabilityai/stable-diffusion-xl-base-1.0"]\n'
    )

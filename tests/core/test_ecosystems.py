"""Tests for the ecosystems file: the shipped default, validation errors, selection and families."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tracker.core.ecosystems import (
    OTHER_FAMILY,
    Ecosystem,
    EcosystemsError,
    Family,
    default_ecosystems_path,
    family_of_root,
    load_ecosystems,
    parse_ecosystems,
    select_ecosystems,
)

# Every real repository of notes/hub-api.md section 7, with the family it must belong to.
LLAMA_ROOTS: dict[str, str] = {
    **{f"huggyllama/llama-{size}": "Llama 1" for size in ("7b", "13b", "30b", "65b")},
    **{
        f"meta-llama/Llama-2-{size}{chat}{hf}": "Llama 2"
        for size in ("7b", "13b", "70b")
        for chat in ("", "-chat")
        for hf in ("", "-hf")
    },
    **{
        f"codellama/CodeLlama-{size}{kind}-hf": "Code Llama"
        for size in ("7b", "13b", "34b", "70b")
        for kind in ("", "-Python", "-Instruct")
    },
    **{
        f"meta-llama/Meta-Llama-3-{size}{tune}": "Llama 3"
        for size in ("8B", "70B")
        for tune in ("", "-Instruct")
    },
    **{
        f"meta-llama/{prefix}Llama-3.1-{variant}": "Llama 3.1"
        for prefix in ("", "Meta-")  # current names and the pre-rename aliases
        for variant in (
            "8B",
            "8B-Instruct",
            "70B",
            "70B-Instruct",
            "405B",
            "405B-Instruct",
            "405B-FP8",
            "405B-Instruct-FP8",
        )
    },
    **{
        f"meta-llama/Llama-3.2-{variant}": "Llama 3.2"
        for variant in (
            "1B",
            "1B-Instruct",
            "3B",
            "3B-Instruct",
            "11B-Vision",
            "11B-Vision-Instruct",
            "90B-Vision",
            "90B-Vision-Instruct",
            "1B-Instruct-QLORA_INT4_EO8",
            "1B-Instruct-SpinQuant_INT4_EO8",
            "3B-Instruct-QLORA_INT4_EO8",
            "3B-Instruct-SpinQuant_INT4_EO8",
        )
    },
    "meta-llama/Llama-3.3-70B-Instruct": "Llama 3.3",
    **{
        f"meta-llama/Llama-4-{variant}": "Llama 4"
        for variant in (
            "Scout-17B-16E",
            "Scout-17B-16E-Instruct",
            "Maverick-17B-128E",
            "Maverick-17B-128E-Instruct",
            "Maverick-17B-128E-Instruct-FP8",
            "Scout-17B-16E-Original",
            "Scout-17B-16E-Instruct-Original",
            "Maverick-17B-128E-Original",
        )
    },
    **{
        f"meta-llama/{name}": "Llama Guard"
        for name in (
            "LlamaGuard-7b",
            "Meta-Llama-Guard-2-8B",
            "Llama-Guard-2-8B",
            "Llama-Guard-3-8B",
            "Llama-Guard-3-8B-INT8",
            "Llama-Guard-3-1B",
            "Llama-Guard-3-1B-INT4",
            "Llama-Guard-3-11B-Vision",
            "Llama-Guard-4-12B",
            "Prompt-Guard-86M",
            "Llama-Prompt-Guard-2-86M",
            "Llama-Prompt-Guard-2-22M",
        )
    },
}

LLAMA_FAMILIES = (
    "Llama 1",
    "Llama 2",
    "Code Llama",
    "Llama 3",
    "Llama 3.1",
    "Llama 3.2",
    "Llama 3.3",
    "Llama 4",
    "Llama Guard",
)


@pytest.fixture(scope="module")
def shipped() -> tuple[Ecosystem, ...]:
    return load_ecosystems()


@pytest.fixture(scope="module")
def llama(shipped: tuple[Ecosystem, ...]) -> Ecosystem:
    return next(eco for eco in shipped if eco.name == "llama")


def _without_roots(ecosystem: Ecosystem) -> Ecosystem:
    """The ecosystem with its root lists emptied, so that only patterns decide families."""
    families = tuple(dataclasses.replace(f, roots=()) for f in ecosystem.families)
    return dataclasses.replace(ecosystem, families=families)


# --- the shipped file ----------------------------------------------------------------------------


SHIPPED = ["llama", "qwen", "mistral", "gemma", "deepseek", "muse"]


def test_shipped_file_parses(shipped: tuple[Ecosystem, ...]) -> None:
    assert [eco.name for eco in shipped] == SHIPPED
    assert default_ecosystems_path().is_file()
    assert load_ecosystems(default_ecosystems_path()) == shipped


def test_all_six_ecosystems_are_enabled(shipped: tuple[Ecosystem, ...]) -> None:
    names = SHIPPED
    assert [eco.name for eco in shipped if eco.enabled] == names
    assert [eco.name for eco in select_ecosystems(shipped, None)] == names
    # Llama alone, as the README says: by name.
    assert [eco.name for eco in select_ecosystems(shipped, ["llama"])] == ["llama"]


def test_llama_alone_from_a_copy_with_the_rivals_disabled(tmp_path: Path) -> None:
    text = default_ecosystems_path().read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    eco = ""
    for n, line in enumerate(lines):
        if line.startswith("name = "):
            eco = line.split('"')[1]
        elif line.startswith("enabled = true") and eco != "llama":
            lines[n] = "enabled = false\n"
    copy = tmp_path / "llama-only.toml"
    copy.write_text("".join(lines), encoding="utf-8")
    assert [eco.name for eco in select_ecosystems(load_ecosystems(copy), None)] == ["llama"]


# Families and roots of the rival sections (issue 13: every official root, grouped like Llama's).
RIVAL_FAMILIES = {
    "qwen": ("Qwen 1", "Qwen 1.5", "Qwen Coder", "Qwen 2", "Qwen 2.5", "QwQ", "Qwen 3", "Qwen 3.5"),
    "mistral": (
        "Mistral 7B",
        "Mixtral",
        "Codestral/Devstral",
        "Mistral Nemo",
        "Mistral Large",
        "Pixtral",
        "Mistral Small",
        "Ministral",
        "Magistral",
        "Voxtral",
    ),
    "gemma": (
        "Gemma",
        "CodeGemma",
        "RecurrentGemma",
        "PaliGemma",
        "Gemma 2",
        "ShieldGemma",
        "DataGemma",
        "Gemma 3",
        "Gemma 3n",
        "MedGemma",
        "TxGemma",
        "Gemma 4",
    ),
    "deepseek": (
        "DeepSeek LLM",
        "DeepSeek Coder",
        "DeepSeek Math",
        "DeepSeek VL",
        "DeepSeek V2",
        "DeepSeek V3/R1",
        "DeepSeek R1 Distill",
        "DeepSeek Prover",
    ),
}
RIVAL_ORGS = {"qwen": "Qwen/", "mistral": "mistralai/", "gemma": "google/", "deepseek": "deepseek-ai/"}


@pytest.mark.parametrize("name", sorted(RIVAL_FAMILIES))
def test_rival_families_and_their_roots(shipped: tuple[Ecosystem, ...], name: str) -> None:
    (eco,) = select_ecosystems(shipped, [name])
    assert tuple(f.name for f in eco.families) == RIVAL_FAMILIES[name]
    assert all(f.roots for f in eco.families)
    assert all(root.startswith(RIVAL_ORGS[name]) for root in eco.root_ids)


@pytest.mark.parametrize(
    ("ecosystem", "model_id", "family"),
    [
        # One release of each line the issue names, as the real Hub spells it.
        ("qwen", "Qwen/Qwen1.5-7B-Chat", "Qwen 1.5"),
        ("qwen", "Qwen/Qwen2-7B-Instruct", "Qwen 2"),
        ("qwen", "Qwen/Qwen2.5-7B-Instruct", "Qwen 2.5"),
        ("qwen", "Qwen/Qwen2.5-Coder-7B-Instruct", "Qwen Coder"),
        ("qwen", "Qwen/Qwen2.5-Math-7B", "Qwen 2.5"),
        ("qwen", "Qwen/Qwen2.5-VL-7B-Instruct", "Qwen 2.5"),
        ("qwen", "Qwen/QwQ-32B", "QwQ"),
        ("qwen", "Qwen/Qwen3-8B", "Qwen 3"),
        ("mistral", "mistralai/Mistral-7B-v0.1", "Mistral 7B"),
        ("mistral", "mistralai/Mixtral-8x7B-v0.1", "Mixtral"),
        ("mistral", "mistralai/Mistral-Nemo-Instruct-2407", "Mistral Nemo"),
        ("mistral", "mistralai/Mistral-Small-3.1-24B-Instruct-2503", "Mistral Small"),
        ("mistral", "mistralai/Mistral-Large-Instruct-2411", "Mistral Large"),
        ("mistral", "mistralai/Codestral-22B-v0.1", "Codestral/Devstral"),
        ("mistral", "mistralai/Ministral-8B-Instruct-2410", "Ministral"),
        ("mistral", "mistralai/Pixtral-12B-Base-2409", "Pixtral"),
        ("mistral", "mistralai/Devstral-Small-2505", "Codestral/Devstral"),
        ("mistral", "mistralai/Magistral-Small-2506", "Magistral"),
        ("gemma", "google/gemma-7b", "Gemma"),
        ("gemma", "google/gemma-2-9b-it", "Gemma 2"),
        ("gemma", "google/gemma-3-27b-it", "Gemma 3"),
        ("gemma", "google/gemma-3n-E4B-it", "Gemma 3n"),
        ("gemma", "google/codegemma-7b-it", "CodeGemma"),
        ("gemma", "google/recurrentgemma-2b", "RecurrentGemma"),
        ("gemma", "google/paligemma2-3b-pt-224", "PaliGemma"),
        ("gemma", "google/shieldgemma-2b", "ShieldGemma"),
        ("deepseek", "deepseek-ai/deepseek-llm-7b-base", "DeepSeek LLM"),
        ("deepseek", "deepseek-ai/deepseek-coder-6.7b-instruct", "DeepSeek Coder"),
        ("deepseek", "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", "DeepSeek Coder"),
        ("deepseek", "deepseek-ai/DeepSeek-V2-Lite", "DeepSeek V2"),
        ("deepseek", "deepseek-ai/DeepSeek-V2.5-1210", "DeepSeek V2"),
        ("deepseek", "deepseek-ai/DeepSeek-V3", "DeepSeek V3/R1"),
        ("deepseek", "deepseek-ai/DeepSeek-R1", "DeepSeek V3/R1"),
        ("deepseek", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "DeepSeek R1 Distill"),
        ("deepseek", "deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", "DeepSeek R1 Distill"),
    ],
)
def test_official_rival_release_is_a_listed_root_of_its_family(
    shipped: tuple[Ecosystem, ...], ecosystem: str, model_id: str, family: str
) -> None:
    (eco,) = select_ecosystems(shipped, [ecosystem])
    assert model_id in next(f for f in eco.families if f.name == family).roots
    assert family_of_root(eco, model_id.lower()) == family


def test_gemma_roots_are_gemma_models_only(shipped: tuple[Ecosystem, ...]) -> None:
    # Without `authors`, only listed repos are roots; none of google's other models is one.
    (gemma,) = select_ecosystems(shipped, ["gemma"])
    assert all("gemma" in root.lower() for root in gemma.root_ids)
    for other in ("google/flan-t5-base", "google/vit-base-patch16-224", "google/siglip2-base-patch16-224"):
        assert other.lower() not in {root.lower() for root in gemma.root_ids}


def test_a_model_may_be_a_root_of_one_ecosystem_and_named_in_another(shipped: tuple[Ecosystem, ...]) -> None:
    # DeepSeek's distills of Llama are DeepSeek roots; on the Hub they are Llama members too (allowed).
    (deepseek,) = select_ecosystems(shipped, ["deepseek"])
    assert "deepseek-ai/DeepSeek-R1-Distill-Llama-8B" in deepseek.root_ids
    assert family_of_root(deepseek, "deepseek-ai/DeepSeek-R1-Distill-Llama-8B") == "DeepSeek R1 Distill"


def test_muse_is_metas_second_family_on_by_default(shipped: tuple[Ecosystem, ...]) -> None:
    # Meta's open-weight Muse line (meta-models/Muse-Glimmer-30B, 2026-08-10, apache-2.0), beside Llama.
    (muse,) = select_ecosystems(shipped, ["muse"])
    assert muse == Ecosystem(
        name="muse",
        label="Meta Muse",
        enabled=True,
        authors=("meta-models",),
        families=(Family("Muse", ("meta-models/Muse-Glimmer-30B",), ("meta-models/Muse-*",)),),
    )
    assert family_of_root(muse, "META-MODELS/muse-glimmer-30b") == "Muse"
    assert family_of_root(muse, "meta-models/Muse-Spark-400B") == "Muse"  # a later Muse, by `authors`
    assert family_of_root(muse, "meta-models/Whatever") == OTHER_FAMILY
    assert "muse" in [eco.name for eco in select_ecosystems(shipped, None)]
    llama = next(eco for eco in shipped if eco.name == "llama")
    assert not {root.lower() for root in muse.root_ids} & {root.lower() for root in llama.root_ids}


def test_llama_header(llama: Ecosystem) -> None:
    assert llama.label == "Meta Llama"
    assert llama.authors == ("meta-llama", "codellama")
    assert tuple(f.name for f in llama.families) == LLAMA_FAMILIES


@pytest.mark.parametrize(("model_id", "family"), sorted(LLAMA_ROOTS.items()))
def test_official_llama_repo_is_a_root_of_its_family(llama: Ecosystem, model_id: str, family: str) -> None:
    owner = next(f for f in llama.families if model_id in f.roots)
    assert owner.name == family
    assert family_of_root(llama, model_id) == family
    assert family_of_root(llama, model_id.upper()) == family  # Hub ids are case-insensitive


def test_llama_roots_are_exactly_the_expected_table(llama: Ecosystem) -> None:
    assert sorted(llama.root_ids) == sorted(LLAMA_ROOTS)
    assert not any(root.startswith("decapoda-research/") for root in llama.root_ids)


def test_every_shipped_family_has_patterns(shipped: tuple[Ecosystem, ...]) -> None:
    for eco in shipped:
        for family in eco.families:
            assert family.patterns, f"{eco.name} / {family.name}"


def test_patterns_alone_give_every_shipped_root_its_family(shipped: tuple[Ecosystem, ...]) -> None:
    # Guards against a pattern of an earlier family (e.g. "Llama 3") swallowing later ids (3.1, 3.2, 3.3).
    for eco in shipped:
        patterns_only = _without_roots(eco)
        for family in eco.families:
            for root in family.roots:
                assert family_of_root(patterns_only, root) == family.name, root


def test_gemma_has_no_authors(shipped: tuple[Ecosystem, ...]) -> None:
    gemma = next(eco for eco in shipped if eco.name == "gemma")
    assert gemma.authors == ()


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("meta-llama/Llama-3.1-Nemotron-Whatever", "Llama 3.1"),
        ("meta-llama/Meta-Llama-3.1-8B-Whatever", "Llama 3.1"),
        ("meta-llama/Llama-3-8B", "Llama 3"),
        ("meta-llama/Meta-Llama-3-8B-Whatever", "Llama 3"),
        ("META-LLAMA/meta-llama-3-70b-new", "Llama 3"),
        ("meta-llama/Llama-3.2-1B-Whatever", "Llama 3.2"),
        ("meta-llama/Llama-3.3-8B-Instruct", "Llama 3.3"),
        ("meta-llama/Llama-2-7b-whatever", "Llama 2"),
        ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-Original", "Llama 4"),
        ("meta-llama/Llama-Guard-3-8B-Whatever", "Llama Guard"),
        ("meta-llama/Llama-Guard-5-1B", "Llama Guard"),
        ("meta-llama/Llama-Prompt-Guard-3-86M", "Llama Guard"),
        ("meta-llama/CodeLlama-7b-hf", "Code Llama"),
        ("codellama/CodeLlama-7b-Whatever", "Code Llama"),
        ("meta-llama/Llama-5-X", OTHER_FAMILY),
        ("meta-llama/Whatever", OTHER_FAMILY),
    ],
)
def test_family_of_discovered_llama_id(llama: Ecosystem, model_id: str, family: str) -> None:
    assert family_of_root(llama, model_id) == family


@pytest.mark.parametrize(
    ("ecosystem", "model_id", "family"),
    [
        ("qwen", "Qwen/Qwen2-VL-7B-Instruct", "Qwen 2"),
        ("qwen", "Qwen/Qwen2.5-3B", "Qwen 2.5"),
        ("qwen", "Qwen/Qwen3-235B-A22B", "Qwen 3"),
        ("qwen", "Qwen/QwQ-32B", "QwQ"),
        ("qwen", "Qwen/QVQ-72B", "QwQ"),
        ("qwen", "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ", "Qwen Coder"),
        ("qwen", "Qwen/Qwen3-Coder-Next", "Qwen Coder"),
        ("qwen", "Qwen/Qwen3.5-9B-FP8", "Qwen 3.5"),
        ("qwen", "Qwen/Qwen-1_8B-Chat-Int4", "Qwen 1"),
        ("qwen", "Qwen/Qwen-AgentWorld-35B-A3B", OTHER_FAMILY),
        ("mistral", "mistralai/Mistral-7B-Instruct-v0.4", "Mistral 7B"),
        ("mistral", "mistralai/Mixtral-8x22B-v0.1", "Mixtral"),
        ("mistral", "mistralai/Codestral-22B-v0.1", "Codestral/Devstral"),
        ("mistral", "mistralai/Devstral-Small-2505_gguf", "Codestral/Devstral"),
        ("mistral", "mistralai/Mistral-Large-3-675B-Instruct-2512", "Mistral Large"),
        ("mistral", "mistralai/Mistral-Medium-3", OTHER_FAMILY),
        ("gemma", "google/gemma-2b-pytorch", "Gemma"),
        ("gemma", "google/gemma-2-2b-jpn-it", "Gemma 2"),
        ("gemma", "google/gemma-3-27b-pt", "Gemma 3"),
        ("deepseek", "deepseek-ai/DeepSeek-V3-0324", "DeepSeek V3/R1"),
        ("deepseek", "deepseek-ai/DeepSeek-R1-Zero", "DeepSeek V3/R1"),
        ("deepseek", "deepseek-ai/DeepSeek-R1-Distill-Qwen-72B", "DeepSeek R1 Distill"),
        ("deepseek", "deepseek-ai/deepseek-coder-1.3b-base", "DeepSeek Coder"),
        ("deepseek", "deepseek-ai/DeepSeek-Coder-V2-Lite-Base", "DeepSeek Coder"),
        ("deepseek", "deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", "DeepSeek R1 Distill"),
        ("deepseek", "deepseek-ai/DeepSeek-V3.2", "DeepSeek V3/R1"),
        ("deepseek", "deepseek-ai/DeepSeek-OCR", OTHER_FAMILY),
    ],
)
def test_family_of_discovered_rival_id(
    shipped: tuple[Ecosystem, ...], ecosystem: str, model_id: str, family: str
) -> None:
    (eco,) = select_ecosystems(shipped, [ecosystem])
    assert family_of_root(eco, model_id) == family


# --- family_of_root and root_ids on a hand-made ecosystem ----------------------------------------

TIES = Ecosystem(
    name="t",
    label="T",
    enabled=True,
    authors=("org",),
    families=(
        Family("A", ("org/a1", "org/shared-by-pattern"), ("org/b*",)),
        Family("B", ("org/b1",), ("org/b*", "org/a*")),
    ),
)


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("org/a1", "A"),
        ("ORG/A1", "A"),
        ("org/b1", "B"),  # an explicit root wins over an earlier family's pattern
        ("org/b2", "A"),  # both patterns match: the family listed first wins
        ("org/a2", "B"),
        ("org/c", OTHER_FAMILY),
    ],
)
def test_family_of_root_precedence(model_id: str, family: str) -> None:
    assert family_of_root(TIES, model_id) == family


def test_root_ids_in_file_order_deduplicated() -> None:
    eco = Ecosystem("x", "x", True, (), (Family("A", ("o/a", "o/b"), ()), Family("B", ("O/A", "o/c"), ())))
    assert eco.root_ids == ("o/a", "o/b", "o/c")


# --- parsing -------------------------------------------------------------------------------------

MINIMAL = """
[[ecosystem]]
name = "x"
  [[ecosystem.family]]
  name = "F"
  roots = ["org/m"]
"""


def test_defaults_and_order() -> None:
    text = """
[[ecosystem]]
name = "b"
  [[ecosystem.family]]
  name = "Second"
  roots = ["o/z"]
  [[ecosystem.family]]
  name = "First"
  roots = ["o/y", "o/x"]

[[ecosystem]]
name = "a"
label = "The A"
enabled = false
authors = ["someone"]
"""
    b, a = parse_ecosystems(text)
    assert b == Ecosystem(
        name="b",
        label="b",
        enabled=True,
        authors=(),
        families=(Family("Second", ("o/z",), ()), Family("First", ("o/y", "o/x"), ())),
    )
    assert a == Ecosystem(name="a", label="The A", enabled=False, authors=("someone",), families=())
    assert b.root_ids == ("o/z", "o/y", "o/x")


def test_family_with_patterns_only() -> None:
    (eco,) = parse_ecosystems(
        '[[ecosystem]]\nname = "x"\nauthors = ["o"]\n[[ecosystem.family]]\nname = "F"\npatterns = ["o/f-*"]\n'
    )
    assert eco.families == (Family("F", (), ("o/f-*",)),)
    assert family_of_root(eco, "O/F-1") == "F"


def _eco(body: str, families: str = "") -> str:
    """An ecosystems file with one ecosystem 'x' made of `body` and `families`."""
    return f'[[ecosystem]]\nname = "x"\n{body}\n{families}'


_FAM = '[[ecosystem.family]]\nname = "F"\nroots = ["org/m"]\n'

INVALID = [
    # (text, expected fragment of the message)
    ("[[ecosystem]\nname = 'x'", "invalid TOML"),
    ('name = "x"\n', "unknown key 'name'"),
    ("", "no [[ecosystem]] table"),
    ("# only a comment\n", "no [[ecosystem]] table"),
    ("ecosystem = []\n", "no [[ecosystem]] table"),
    ('ecosystem = "llama"\n', "'ecosystem' must be an array of tables"),
    ("ecosystem = [1]\n", "'ecosystem' must be an array of tables"),
    ("[ecosystem]\nname = 'x'\n", "'ecosystem' must be an array of tables"),
    ("[[ecosystem]]\nlabel = 'X'\n" + _FAM, "ecosystem #1: missing 'name'"),
    ("[[ecosystem]]\nname = ''\n" + _FAM, "ecosystem #1: 'name' must be"),
    ("[[ecosystem]]\nname = 'Llama'\n" + _FAM, "ecosystem #1: 'name' must be"),
    ("[[ecosystem]]\nname = 3\n" + _FAM, "ecosystem #1: 'name' must be"),
    (MINIMAL + MINIMAL, "ecosystem 'x': ecosystem name is used twice"),
    (_eco("lable = 'X'", _FAM), "ecosystem 'x': unknown key 'lable'"),
    (_eco("label = ''", _FAM), "'label' must be a non-empty string"),
    (_eco("label = 1", _FAM), "'label' must be a non-empty string"),
    (_eco("enabled = 'yes'", _FAM), "'enabled' must be true or false"),
    (_eco("enabled = 1", _FAM), "'enabled' must be true or false"),
    (_eco("authors = 'meta-llama'", _FAM), "'authors' must be a list"),
    (_eco("authors = ['']", _FAM), "'authors' must be a list"),
    (_eco("authors = ['meta-llama/x']", _FAM), "'authors' must be a list"),
    (_eco("authors = ['a', 'A']", _FAM), "author 'A' is listed twice"),
    (_eco(""), "needs at least one [[ecosystem.family]]"),
    (_eco("family = []"), "needs at least one [[ecosystem.family]]"),
    (_eco("family = 'F'"), "'family' must be an array of tables"),
    (_eco("[ecosystem.family]\nname = 'F'\nroots = ['o/m']"), "'family' must be an array of tables"),
    (_eco("", "[[ecosystem.family]]\nroots = ['o/m']"), "ecosystem 'x' family #1: missing 'name'"),
    (_eco("", "[[ecosystem.family]]\nname = ' F'\nroots = ['o/m']"), "family #1: 'name' must be"),
    (_eco("", "[[ecosystem.family]]\nname = 2\nroots = ['o/m']"), "family #1: 'name' must be"),
    (
        _eco("", "[[ecosystem.family]]\nname = 'Other'\nroots = ['o/m']"),
        "family 'Other': 'Other' is reserved",
    ),
    (_eco("", _FAM + _FAM.replace("org/m", "org/n")), "family 'F': family name is used twice"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroot = ['o/m']"), "family 'F': unknown key 'root'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'"), "family 'F': missing 'roots'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = []"), "family 'F': 'roots' is empty"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = 'o/m'"), "'roots' must be a list of model ids"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = [1]"), "'roots' must be a list of model ids"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['llama']"), "got 'llama'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['a/b/c']"), "got 'a/b/c'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['a/b c']"), "got 'a/b c'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['/b']"), "got '/b'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['o/' ]\n"), "got 'o/'"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['o/" + "m" * 97 + "']"), "model ids like"),
    (_eco("", "[[ecosystem.family]]\nname = 'F'\nroots = ['o/m', 'O/M']"), "root 'O/M' is listed twice"),
    (
        _eco("", _FAM + "[[ecosystem.family]]\nname = 'G'\nroots = ['ORG/m']"),
        "family 'G': root 'ORG/m' is listed twice (also in family 'F')",
    ),
    (_eco("", _FAM + "patterns = 'org/*'"), "'patterns' must be a list of non-empty strings"),
    (_eco("", _FAM + "patterns = ['']"), "'patterns' must be a list of non-empty strings"),
    (_eco("", _FAM + "patterns = [3]"), "'patterns' must be a list of non-empty strings"),
]


@pytest.mark.parametrize(("text", "fragment"), INVALID)
def test_invalid_file_gives_one_line_naming_file_and_problem(text: str, fragment: str) -> None:
    with pytest.raises(EcosystemsError) as info:
        parse_ecosystems(text, source="/x/y.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("ecosystems file /x/y.toml: ")
    assert fragment in message


def test_example_message_from_the_brief() -> None:
    text = _eco("", "[[ecosystem.family]]\nname = 'Llama 2'\nroots = 'meta-llama/Llama-2-7b'").replace(
        '"x"', '"llama"'
    )
    with pytest.raises(EcosystemsError) as info:
        parse_ecosystems(text, source="/x/y.toml")
    assert str(info.value) == (
        "ecosystems file /x/y.toml: ecosystem 'llama' family 'Llama 2': "
        "'roots' must be a list of model ids like 'org/name'"
    )


def test_multiline_names_stay_on_one_line() -> None:
    text = _eco("", '[[ecosystem.family]]\nname = "F\\nG"\n')  # a family name with a newline, no roots
    with pytest.raises(EcosystemsError) as info:
        parse_ecosystems(text, source="multi\nline")
    assert "\n" not in str(info.value)
    assert "missing 'roots'" in str(info.value)


def test_is_a_value_error() -> None:
    assert issubclass(EcosystemsError, ValueError)


# --- loading files -------------------------------------------------------------------------------


def test_load_from_path(tmp_path: Path) -> None:
    path = tmp_path / "eco.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_ecosystems(path) == load_ecosystems(str(path)) == parse_ecosystems(MINIMAL)


def test_load_tolerates_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "eco.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_ecosystems(path) == parse_ecosystems(MINIMAL)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing.toml", "file not found"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.toml", b""), "no [[ecosystem]] table"),
        (lambda d: _write(d / "bad.toml", b"[[ecosystem]\n"), "invalid TOML"),
        (lambda d: _write(d / "latin1.toml", b'# caf\xe9\n[[ecosystem]]\nname = "x"\n'), "not valid UTF-8"),
        (lambda d: _write(d / "dup.toml", (MINIMAL + MINIMAL).encode()), "used twice"),
    ],
)
def test_load_errors_are_one_line_naming_the_file(tmp_path: Path, make, fragment: str) -> None:
    path = make(tmp_path)
    with pytest.raises(EcosystemsError) as info:
        load_ecosystems(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"ecosystems file {path}: ")
    assert fragment in message


def _write(path: Path, data: bytes) -> Path:
    """Write `data` to `path` and return it."""
    path.write_bytes(data)
    return path


# --- selection -----------------------------------------------------------------------------------

SELECTION = parse_ecosystems(
    "".join(
        f'[[ecosystem]]\nname = "{name}"\nenabled = {enabled}\nauthors = ["{name}"]\n'
        for name, enabled in [("a", "true"), ("b", "false"), ("c", "true")]
    )
)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (None, ["a", "c"]),
        ([], ["a", "c"]),
        (["b"], ["b"]),
        (["c", "a"], ["c", "a"]),
        (["c", "b", "c", "a", "b"], ["c", "b", "a"]),
        (("A",), ["a"]),
    ],
)
def test_select_ecosystems(names: list[str] | None, expected: list[str]) -> None:
    assert [eco.name for eco in select_ecosystems(SELECTION, names)] == expected


def test_select_unknown_name() -> None:
    with pytest.raises(EcosystemsError) as info:
        select_ecosystems(SELECTION, ["a", "x"])
    assert str(info.value) == "unknown ecosystem 'x' (known: a, b, c)"


def test_select_unknown_name_in_shipped_file(shipped: tuple[Ecosystem, ...]) -> None:
    with pytest.raises(EcosystemsError, match=r"^unknown ecosystem 'phi' \(known: llama, qwen, mistral"):
        select_ecosystems(shipped, ["phi"])


def test_select_with_none_enabled() -> None:
    disabled = tuple(dataclasses.replace(eco, enabled=False) for eco in SELECTION)
    with pytest.raises(EcosystemsError, match="no ecosystem is enabled") as info:
        select_ecosystems(disabled, None)
    assert "\n" not in str(info.value)
    assert [eco.name for eco in select_ecosystems(disabled, ["b"])] == ["b"]

"""Tests of the real-lineage catalogue: ids, relations, lineage, deletions, renames, reproducibility."""

from __future__ import annotations

import collections
import csv
import dataclasses
import gzip
import importlib.resources
import io
import operator
import re
import tomllib
from pathlib import Path

import pytest

from tracker.emulator.builders.real import load_real_catalogue, load_real_catalogue_with_stats
from tracker.emulator.builders.real_lineage import REAL_DEFAULT_NOW, REAL_FIRST_WEEK, RealLoadStats
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import DAY, HubModel, parse_time

DATA = importlib.resources.files("tracker") / "data" / "msc-weekly-lineage.csv.gz"
ECOSYSTEMS = importlib.resources.files("tracker") / "data" / "ecosystems.toml"
LLAMA_ORGS = ("meta-llama/", "codellama/", "huggyllama/")


@dataclasses.dataclass
class Data:
    """The data file read independently of the loader: events per lower-cased id, in week order."""

    rows: list[list[str]]
    events: dict[str, list[tuple[int, str]]]  # key -> [(week start, event)], sorted
    first_add: dict[str, list[str]]  # key -> first `added` row
    added_ids: set[str]  # distinct model ids of `added` rows, as spelled


@pytest.fixture(scope="module")
def data() -> Data:
    """The packaged data file, parsed with plain csv."""
    rows = list(csv.reader(io.StringIO(gzip.decompress(DATA.read_bytes()).decode("utf-8"), newline="")))[1:]
    events: dict[str, list[tuple[int, int, str]]] = collections.defaultdict(list)
    first_add: dict[str, list[str]] = {}
    weeks = {week: parse_time(week) for week in {row[0] for row in rows}}
    for n, row in enumerate(rows):
        key = row[2].lower()
        events[key].append((weeks[row[0]], n, row[1]))
        if row[1] == "added":
            first_add.setdefault(key, row)
    return Data(
        rows=rows,
        events={k: [(w, e) for w, _, e in (sorted(v) if len(v) > 1 else v)] for k, v in events.items()},
        first_add=first_add,
        added_ids={row[2] for row in rows if row[1] == "added"},
    )


@pytest.fixture(scope="module")
def cat(real: Catalogue) -> Catalogue:
    """The catalogue alone."""
    return real


def every_field(cat: Catalogue) -> list[tuple[object, ...]]:
    """Every field of every model, in catalogue order: equal lists mean identical catalogues."""
    return list(map(operator.attrgetter(*(f.name for f in dataclasses.fields(HubModel))), cat.models))


def lineage(cat: Catalogue) -> set[tuple[str, str | None, tuple[str, ...]]]:
    """Each model as (id, relation, current ids of its bases): what a seed must not change."""
    now = REAL_DEFAULT_NOW
    return {(m.repo_id, m.relation, tuple(cat.parent_ids_at(i, now))) for i, m in enumerate(cat.models)}


def write_csv(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A gzipped data file in the packaged format."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["week", "event", "model_id", "relation", "base_model"])
    writer.writerows(rows)
    path.write_bytes(gzip.compress(buffer.getvalue().encode()))
    return path


# --- the packaged data ---------------------------------------------------------------------


def test_identity_constants(cat: Catalogue) -> None:
    assert cat.name == "real"
    assert cat.default_now == REAL_DEFAULT_NOW == parse_time("2025-07-02T00:00:00Z")
    assert REAL_FIRST_WEEK == parse_time("2025-03-12T00:00:00Z")


def test_every_added_id_is_a_model(cat: Catalogue, data: Data) -> None:
    assert len(data.added_ids) == 119_010
    assert len(cat) >= 119_010
    for model_id in data.added_ids:
        cat.index_of(model_id)  # case-insensitive; KeyError if missing


def test_case_variants_share_one_model(cat: Catalogue, real_loaded: tuple[Catalogue, RealLoadStats]) -> None:
    first, second = "Junforjune/hanok-LoRA", "Junforjune/hanok-lora"
    assert cat.index_of(first) == cat.index_of(second)
    assert real_loaded[1].case_merged_ids >= 22  # 22 pairs among added ids alone
    assert real_loaded[1].added_models == 119_010 - 22


def test_relation_counts(cat: Catalogue, data: Data) -> None:
    rows_added = collections.Counter(row[3] for row in data.rows if row[1] == "added")
    # The README counts additions (rows); a model added twice counts twice there.
    assert rows_added == {"finetune": 54_427, "adapter": 32_451, "quantized": 28_937, "merge": 3_465}
    expected = collections.Counter(row[3] for row in data.first_add.values())
    got = collections.Counter(cat.models[cat.index_of(row[2])].relation for row in data.first_add.values())
    assert got == expected
    assert sum(expected.values()) == 119_010 - 22


def test_merge_with_65_bases(cat: Catalogue, data: Data) -> None:
    row = max(data.first_add.values(), key=lambda r: len(r[4].split(",")))
    assert len(row[4].split(", ")) == 65
    m = cat.models[cat.index_of(row[2])]
    assert m.relation == "merge"
    assert len(m.parents) == 65
    assert all(isinstance(p, int) for p in m.parents)


def test_bases_resolve_to_models(cat: Catalogue) -> None:
    assert not cat.ghost_children  # every declared base exists in this catalogue
    for m in cat.models[:2000]:
        for p, declared in zip(m.parents, m.card_base, strict=True):
            assert isinstance(p, int)
            assert cat.index_of(declared) == p


def test_renamed_llama_31_answers_its_old_id(cat: Catalogue) -> None:
    new = cat.index_of("meta-llama/Llama-3.1-8B-Instruct")
    assert cat.find("meta-llama/Meta-Llama-3.1-8B-Instruct", REAL_DEFAULT_NOW) == (new, True)
    assert cat.find("meta-llama/Llama-3.1-8B-Instruct", REAL_DEFAULT_NOW) == (new, False)
    m = cat.models[new]
    assert m.old_id == "meta-llama/Meta-Llama-3.1-8B-Instruct"
    assert m.renamed_at == parse_time("2024-09-05T00:00:00Z")
    assert cat.find("meta-llama/Meta-Llama-3.1-8B-Instruct", m.renamed_at - 1) == (new, False)
    # Tags name the base by its new id; the card still says the old one, as on the real Hub.
    assert cat.parent_ids_at(new, REAL_DEFAULT_NOW) == ["meta-llama/Llama-3.1-8B"]
    assert m.card_base == ("meta-llama/Meta-Llama-3.1-8B",)
    assert m.gated == "manual"
    assert m.license == "llama3.1"


def test_official_repositories_have_release_dates(cat: Catalogue) -> None:
    expected = {
        "meta-llama/Llama-2-7b-hf": "2023-07-18",
        "codellama/CodeLlama-7b-hf": "2023-08-24",
        "meta-llama/Meta-Llama-3-8B": "2024-04-18",
        "meta-llama/Llama-3.1-8B": "2024-07-23",
        "meta-llama/Llama-3.2-1B": "2024-09-25",
        "meta-llama/Llama-3.3-70B-Instruct": "2024-12-06",
        "meta-llama/Llama-Guard-3-8B": "2024-07-23",
        "huggyllama/llama-7b": "2023-04-05",
    }
    for model_id, date in expected.items():
        created = cat.models[cat.index_of(model_id)].created
        assert parse_time(date) <= created < parse_time(date) + DAY, model_id


def test_creation_falls_in_the_week_before_the_first_addition(cat: Catalogue, data: Data) -> None:
    for key, row in data.first_add.items():
        week = parse_time(row[0])
        created = cat.models[cat.index_of(key)].created
        assert week - 7 * DAY <= created < week, key


def test_pre_window_models_come_before_their_children(cat: Catalogue, data: Data) -> None:
    for i, m in enumerate(cat.models):
        if m.repo_id.lower() in data.first_add:
            continue
        if not m.repo_id.lower().startswith(LLAMA_ORGS):
            assert parse_time("2023-01-01") <= m.created <= parse_time("2025-03-05"), m.repo_id
        for child in cat.children[i]:
            if cat.models[child].repo_id.lower() in data.first_add:
                assert m.created < cat.models[child].created, (m.repo_id, cat.models[child].repo_id)


def test_toggles_alternate_after_creation(cat: Catalogue) -> None:
    toggled = 0
    for m in cat.models:
        if m.toggles:
            toggled += 1
            assert m.created < m.toggles[0]
            assert all(a < b for a, b in zip(m.toggles, m.toggles[1:], strict=False))
    assert toggled > 20_000


def test_deleted_model_vanishes_in_its_week(cat: Catalogue, data: Data) -> None:
    key = next(k for k, evs in data.events.items() if [e for _, e in evs] == ["added", "deleted"])
    (added_week, _), (deleted_week, _) = data.events[key]
    i = cat.index_of(key)
    assert cat.exists(i, added_week)
    assert cat.listed(i, added_week)
    assert cat.exists(i, deleted_week - 7 * DAY)
    assert not cat.exists(i, deleted_week)
    gone = cat.models[i].toggles[0]
    assert deleted_week - 7 * DAY <= gone < deleted_week
    assert cat.exists(i, gone - 1)
    assert not cat.exists(i, gone)
    assert not cat.exists(i, REAL_DEFAULT_NOW)


def test_readded_model_exists_again(cat: Catalogue, data: Data) -> None:
    key = next(k for k, evs in data.events.items() if [e for _, e in evs] == ["added", "deleted", "added"])
    weeks = [w for w, _ in data.events[key]]
    i = cat.index_of(key)
    assert len(cat.models[i].toggles) == 2
    assert cat.exists(i, weeks[0])
    assert not cat.exists(i, weeks[1])
    assert cat.exists(i, weeks[2])
    assert cat.exists(i, REAL_DEFAULT_NOW)


def test_model_only_deleted_existed_before_the_window(cat: Catalogue, data: Data) -> None:
    key = next(k for k, evs in data.events.items() if k not in data.first_add)
    ((week, _),) = data.events[key]
    i = cat.index_of(key)
    assert cat.models[i].created < REAL_FIRST_WEEK
    assert cat.exists(i, REAL_FIRST_WEEK)
    assert not cat.exists(i, week)


def test_showcase_revision_and_private_model(cat: Catalogue) -> None:
    revised = [i for i, m in enumerate(cat.models) if m.revision_at is not None]
    assert len(revised) == 1
    m = cat.models[revised[0]]
    assert m.relation == "quantized"
    assert m.revision_fraction == 0.3
    assert m.revision_at == parse_time("2025-05-21T00:00:00Z")
    before = cat.figures(revised[0], m.revision_at - 1).downloads_all_time
    assert cat.figures(revised[0], m.revision_at).downloads_all_time < before
    private = [i for i, m in enumerate(cat.models) if m.private]
    assert len(private) == 1
    (i,) = private
    assert cat.exists(i, REAL_DEFAULT_NOW)
    assert not cat.listed(i, REAL_DEFAULT_NOW)
    ancestors, todo = set(), [i]
    while todo:
        for p in cat.models[todo.pop()].parents:
            if isinstance(p, int) and p not in ancestors:
                ancestors.add(p)
                todo.append(p)
    ids = [cat.models[j].repo_id.lower() for j in ancestors | {i}]
    assert not any(x.startswith(LLAMA_ORGS) or "llama" in x for x in ids)


def test_llama_descendants(cat: Catalogue) -> None:
    now = REAL_DEFAULT_NOW
    roots = [i for i, m in enumerate(cat.models) if m.repo_id.lower().startswith("meta-llama/")]
    seen, queue, count = set(roots), collections.deque(r for r in roots if cat.listed(r, now)), 0
    while queue:
        for child in cat.children[queue.popleft()]:
            if child not in seen:
                seen.add(child)
                if cat.listed(child, now):
                    count += 1
                    queue.append(child)
    # The data's README says 6,580; the loader gives 6,591 (pre-window bases now count as listed).
    assert 6_000 <= count <= 7_500


def test_the_tree_estimate_grows_roots_by_the_measured_factors(cat: Catalogue) -> None:
    """`tracker.core.strategy`'s constants are this catalogue's, the five shipped ecosystems together, each
    model once as a tree crawl lists it (a member of two ecosystems is listed once; a root of one
    ecosystem that is a member of another is a root)."""
    from tracker.core.ecosystems import load_ecosystems
    from tracker.core.strategy import DEPTH_FACTOR, INTERNAL_SHARE
    from tracker.emulator.truth import members

    depth_of: dict[int, int] = {}
    for eco in load_ecosystems():
        for i, (depth, _) in members(cat, eco, REAL_DEFAULT_NOW)[0].items():
            depth_of[i] = min(depth, depth_of.get(i, depth))
    roots = [i for i, depth in depth_of.items() if depth == 0]
    others = [i for i, depth in depth_of.items() if depth > 0]
    direct = sum(cat.listed_children_count(i, REAL_DEFAULT_NOW) for i in roots)
    internal = sum(1 for i in others if cat.listed_children_count(i, REAL_DEFAULT_NOW) > 0)
    assert len(others) / direct == pytest.approx(DEPTH_FACTOR, abs=0.01)
    assert internal / len(others) == pytest.approx(INTERNAL_SHARE, abs=0.002)


def test_every_shipped_root_exists(cat: Catalogue) -> None:
    """Every ecosystem's listed roots, those the data never names included: the real Hub has them all,
    so a demo scan looks none of them up in vain."""
    data = tomllib.loads(ECOSYSTEMS.read_text(encoding="utf-8-sig"))
    families = [family for eco in data["ecosystem"] for family in eco.get("family", [])]
    roots = [root for family in families for root in family["roots"]]
    assert len(roots) > 400
    missing = [root for root in roots if cat.find(root, REAL_DEFAULT_NOW) is None]
    assert not missing


def test_shipped_rival_roots_named_by_the_data_exist_under_its_spelling(cat: Catalogue, data: Data) -> None:
    """Every rival root the real data names (as a model or a base) is in the catalogue, spelled as there;
    the ids the file marks "(not in D)" are not in the data."""
    named: dict[str, str] = {}
    for _, _, model_id, _, bases in data.rows:
        for model in (model_id, *bases.split(", ")):
            named.setdefault(model.strip().lower(), model.strip())
    text = ECOSYSTEMS.read_text(encoding="utf-8-sig")
    marked = set(re.findall(r'"([^"]+)",\s*# \(not in D\)', text))
    assert len(marked) > 50
    in_data = 0
    for eco in tomllib.loads(text)["ecosystem"]:
        if eco["name"] == "llama":
            continue
        for family in eco["family"]:
            for root in family["roots"]:
                spelled = named.get(root.lower())
                if spelled is None:
                    continue
                in_data += 1
                assert root == spelled, root
                assert root not in marked, root
                assert cat.find(root, REAL_DEFAULT_NOW) is not None, root
    assert in_data > 200  # of 343 rival roots; the rest are releases after the window or outside it


# --- reproducibility -------------------------------------------------------------------------


@pytest.mark.slow
def test_same_seed_same_catalogue(cat: Catalogue) -> None:
    again = load_real_catalogue(seed=0)
    assert every_field(again) == every_field(cat)
    assert again.children == cat.children


@pytest.mark.slow
def test_other_seed_same_lineage_other_figures(cat: Catalogue) -> None:
    other = load_real_catalogue(seed=1)
    assert lineage(other) == lineage(cat)
    # Times move inside their week only: at each weekly snapshot the same models exist.
    for t in (REAL_FIRST_WEEK, parse_time("2025-05-07"), REAL_DEFAULT_NOW):
        present = {m.repo_id for i, m in enumerate(cat.models) if cat.exists(i, t)}
        assert present == {m.repo_id for i, m in enumerate(other.models) if other.exists(i, t)}
    rates = {m.repo_id: m.rate for m in cat.models}
    assert sum(rates[m.repo_id] != m.rate for m in other.models) > 0.99 * len(cat)
    i, j = cat.index_of("meta-llama/Llama-3.1-8B"), other.index_of("meta-llama/Llama-3.1-8B")
    assert cat.figures(i, REAL_DEFAULT_NOW) != other.figures(j, REAL_DEFAULT_NOW)


# --- small files ---------------------------------------------------------------------------------


def test_small_file_ids_renames_and_deletions(tmp_path: Path) -> None:
    rows = [
        ("2025-03-19", "added", "a/Tuned", "finetune", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
        ("2025-03-19", "added", "a/merged", "merge", "a/tuned, b/Base, a/Tuned, bad id!"),
        ("2025-03-26", "added", "A/TUNED", "finetune", "meta-llama/Llama-3.1-8B-Instruct"),
        ("2025-04-02", "added", "c/new", "adapter", ""),
        ("2025-04-09", "added", "d/later", "quantized", "a/Tuned"),
        ("2025-03-26", "deleted", "a/merged", "merge", "a/tuned, b/Base"),
        ("2025-04-16", "deleted", "a/tuned", "finetune", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
        ("2025-04-02", "deleted", "d/later", "quantized", "a/Tuned"),
        ("2025-04-09", "deleted", "e/old", "adapter", "b/base"),
    ]
    no_roots = tmp_path / "empty.toml"
    no_roots.write_text("", encoding="utf-8")
    path = write_csv(tmp_path / "lineage.csv.gz", rows)
    cat, stats = load_real_catalogue_with_stats(path, ecosystems=no_roots)
    now = REAL_DEFAULT_NOW
    tuned = cat.index_of("a/tuned")
    assert cat.models[tuned].repo_id == "a/Tuned"  # first spelling wins
    assert cat.parent_ids_at(tuned, now) == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert cat.models[tuned].card_base == ("meta-llama/Meta-Llama-3.1-8B-Instruct",)
    merged = cat.models[cat.index_of("a/merged")]
    assert cat.parent_ids_at(cat.index_of("a/merged"), now) == ["a/Tuned", "b/Base"]
    assert merged.card_base == ("a/tuned", "b/Base")  # as first written, one per base
    assert stats.invalid_bases == 2  # "bad id!" and the empty base of c/new
    assert cat.models[cat.index_of("c/new")].parents == ()
    assert stats.case_merged_ids == 2  # A/TUNED and a/tuned
    # d/later: deleted a week before it was added, which concerns an earlier repository.
    assert cat.models[cat.index_of("d/later")].toggles == ()
    assert stats.ignored_events == 2  # that deletion, and the second addition of a/Tuned
    assert len(cat.models[tuned].toggles) == 1
    assert not cat.exists(tuned, now)
    old = cat.models[cat.index_of("e/old")]
    assert old.relation == "adapter"
    assert old.created < REAL_FIRST_WEEK
    assert len(old.toggles) == 1
    base = cat.models[cat.index_of("b/Base")]
    assert base.relation is None
    assert base.created < old.created
    assert cat.find("meta-llama/Meta-Llama-3.1-8B-Instruct", now) == (
        cat.index_of("meta-llama/Llama-3.1-8B-Instruct"),
        True,
    )
    assert stats.added_models == 4
    assert len(cat) == 7


def test_small_file_with_ecosystem_roots(tmp_path: Path) -> None:
    csv_path = write_csv(
        tmp_path / "lineage.csv.gz",
        [("2025-03-19", "added", "x/child", "finetune", "meta-llama/Llama-2-7b-hf")],
    )
    toml = tmp_path / "ecosystems.toml"
    toml.write_text(
        '[[ecosystem]]\nname = "llama"\n'
        '[[ecosystem.family]]\nname = "Llama 2"\n'
        'roots = ["meta-llama/Llama-2-7b-hf", "meta-llama/llama-2-13b-hf"]\n'
        '[[ecosystem.family]]\nname = "Llama 3.1"\nroots = ["meta-llama/Meta-Llama-3.1-70B"]\n'
        '[[ecosystem.family]]\nname = "Llama 1"\nroots = ["decapoda-research/llama-7b-hf"]\n'
        '[[ecosystem]]\nname = "qwen"\n[[ecosystem.family]]\nname = "Qwen"\nroots = ["Qwen/Qwen2.5-7B"]\n',
        encoding="utf-8",
    )
    cat = load_real_catalogue(csv_path, ecosystems=toml)
    ids = sorted(m.repo_id for m in cat.models)
    assert ids == [  # every listed root, of every ecosystem
        "Qwen/Qwen2.5-7B",
        "decapoda-research/llama-7b-hf",
        "meta-llama/Llama-2-7b-hf",
        "meta-llama/Llama-3.1-70B",
        "meta-llama/llama-2-13b-hf",
        "x/child",
    ]
    renamed = cat.models[cat.index_of("meta-llama/Llama-3.1-70B")]
    assert renamed.old_id == "meta-llama/Meta-Llama-3.1-70B"
    assert parse_time("2024-07-23") <= renamed.created < parse_time("2024-07-24")
    found = cat.find("meta-llama/Meta-Llama-3.1-70B", REAL_DEFAULT_NOW)
    assert found == (cat.index_of(renamed.repo_id), True)
    with pytest.raises(FileNotFoundError):
        load_real_catalogue(csv_path, ecosystems=tmp_path / "missing.toml")


def test_bad_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(gzip.compress(b"week,event,model_id\n2025-03-19,added,a/b\n"))
    with pytest.raises(ValueError, match="unexpected columns"):
        load_real_catalogue(path)


def test_served_over_http_with_real_ids_and_real_churn(cat: Catalogue) -> None:
    """The real catalogue behind the emulator: the real client lists real children; a week earlier, fewer."""
    from huggingface_hub import HfApi

    from tracker.core.ecosystems import load_ecosystems, select_ecosystems
    from tracker.emulator.routes.server import HubEmulator
    from tracker.emulator.truth import ground_truth

    emulator = HubEmulator(cat)
    emulator.start()
    try:
        api = HfApi(endpoint=emulator.url, token=False)
        parent = "meta-llama/Llama-3.1-8B-Instruct"
        listed = {m.id for m in api.list_models(filter=f"base_model:{parent}", expand=["baseModels"])}
        expected = {
            cat.id_at(c, cat.default_now)
            for c in cat.children[cat.index_of(parent)]
            if cat.listed(c, cat.default_now)
        }
        assert listed == expected
        assert len(listed) > 500
        assert api.model_info("meta-llama/Meta-Llama-3.1-8B-Instruct").id == parent
        llama = select_ecosystems(load_ecosystems(), ["llama"])
        now_count = len(ground_truth(cat, llama, cat.default_now).models)
        emulator.set_now(cat.default_now - 7 * 86_400)
        earlier = {m.id for m in api.list_models(filter=f"base_model:{parent}")}
        assert len(ground_truth(cat, llama, emulator.now).models) < now_count
        assert earlier != listed
    finally:
        emulator.stop()

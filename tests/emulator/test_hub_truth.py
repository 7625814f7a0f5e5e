"""The whole-Hub truth on a literal catalogue with every view written out by hand, then on the synthetic
Hub's untracked families (each forest case present), and its downloads against the emulator's listing."""

from __future__ import annotations

import pytest

from tracker.emulator.builders.forest import (
    CYCLE_IDS,
    DELETED_BASE_AT,
    DELETED_BASE_ID,
    FOREST_MODELS,
    MUSE_ASSISTANT_NAME,
    MUSE_CREATED,
    MUSE_ID,
    NEW_BASE_CREATED,
    NEW_BASE_ID,
    PRIVATE_BASE_ID,
    SELF_NAMED_BASE_ID,
    TEXT_TO_IMAGE_ID,
)
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.hub_truth import BaseTruth, HubTruth, forest_ids, whole_hub
from tracker.emulator.vocabulary import DAY, HubModel, object_id, parse_time

T0 = parse_time("2025-01-01T00:00:00Z")
BEFORE = T0 + 20 * DAY  # the earlier run
DELETED_AT = T0 + 25 * DAY
RENAMED_AT = T0 + 21 * DAY
NOW = T0 + 30 * DAY
WEEK = 7 * DAY

# (id, relation, parents by id (an id not defined here is a ghost), created, extra fields)
ROWS: list[tuple[str, str | None, list[str], int, dict]] = [
    ("org/A", None, [], T0, {}),
    ("org/B", None, [], T0, {}),
    ("u/a-ft", "finetune", ["org/A"], T0 + DAY, {}),
    ("u/a-ft-q", "quantized", ["u/a-ft"], T0 + 2 * DAY, {}),
    ("u/b-ad", "adapter", ["org/B"], T0 + 2 * DAY, {}),
    ("u/ab-merge", "merge", ["u/a-ft", "org/B"], T0 + 3 * DAY, {}),  # of A and of B; once hub-wide
    ("org/Self", "finetune", ["org/Self"], T0, {}),  # names itself: still a base, with a derivative
    ("u/self-kid", "quantized", ["org/Self"], T0 + 4 * DAY, {}),
    ("org/Lonely", None, [], T0, {}),  # no derivative: no base
    ("u/lonely-self", "finetune", ["u/lonely-self"], T0, {}),  # names itself, no derivative: no base
    ("org/Gone", None, [], T0, {"toggles": (DELETED_AT,)}),  # a base at BEFORE, deleted by NOW
    ("u/gone-kid", "finetune", ["org/Gone"], T0 + DAY, {}),
    ("org/Secret", None, [], T0, {"private": True}),
    ("u/secret-kid", "finetune", ["org/Secret"], T0 + DAY, {}),
    ("u/cyc-1", "finetune", ["u/cyc-2"], T0 + 5 * DAY, {}),  # a cycle reaching no base
    ("u/cyc-2", "merge", ["u/cyc-1"], T0 + 5 * DAY, {}),
    ("u/cyc-q", "quantized", ["u/cyc-1"], T0 + 6 * DAY, {}),
    ("u/ghost-kid", "finetune", ["ghost/none"], T0 + DAY, {}),  # declares a base that never existed
    ("u/ghost-grandkid", "adapter", ["u/ghost-kid"], T0 + 2 * DAY, {}),
    ("org/New", None, [], BEFORE + 2 * DAY, {}),  # appears between the two runs
    ("u/new-ft", "finetune", ["org/New"], BEFORE + 3 * DAY, {}),
    ("u/new-merge", "merge", ["org/New", "u/a-ft"], BEFORE + 4 * DAY, {}),  # new for New and for A
    ("u/a-late", "adapter", ["org/A"], BEFORE + DAY, {}),
    ("u/private-mid", "finetune", ["org/A"], T0 + DAY, {"private": True}),  # breaks the path below it
    ("u/below-private", "quantized", ["u/private-mid"], T0 + 2 * DAY, {}),
    ("u/deleted-mid", "finetune", ["org/B"], T0 + DAY, {"toggles": (DELETED_AT,)}),
    ("u/below-deleted", "adapter", ["u/deleted-mid"], T0 + 2 * DAY, {}),
    ("org/Ren-new", None, [], T0, {"old_id": "org/Ren-old", "renamed_at": RENAMED_AT}),
    ("u/ren-kid", "finetune", ["org/Ren-new"], T0 + DAY, {}),
    ("u/future", "finetune", ["org/A"], NOW + 5 * DAY, {}),
    ("org/Alone", None, [], T0, {}),
]


def make_catalogue(rows: list[tuple[str, str | None, list[str], int, dict]]) -> Catalogue:
    """A catalogue of these rows (`_id` order: creation, then row order), with usage curves of their own."""
    index = {row[0]: k for k, row in enumerate(rows)}
    order = sorted(range(len(rows)), key=lambda k: (rows[k][3], k))
    position = {k: n for n, k in enumerate(order)}
    models = []
    for k in order:
        repo_id, relation, parents, created, extra = rows[k]
        models.append(
            HubModel(
                oid=object_id(created, k.to_bytes(8, "big")),
                repo_id=repo_id,
                created=created,
                relation=relation,
                parents=tuple(position[index[p]] if p in index else p for p in parents),
                rate=10.0 * (k + 1),
                **extra,
            )
        )
    return Catalogue("literal", models, NOW)


@pytest.fixture(scope="module")
def literal() -> Catalogue:
    return make_catalogue(ROWS)


def downloads(cat: Catalogue, ids: set[str], t: int) -> int:
    return sum(cat.figures(cat.index_of(i), t).downloads for i in ids)


def test_forest_by_hand(literal: Catalogue) -> None:
    assert forest_ids(literal, NOW) == {
        "org/A": {"u/a-ft", "u/a-ft-q", "u/ab-merge", "u/new-merge", "u/a-late"},
        "org/B": {"u/b-ad", "u/ab-merge"},
        "org/Self": {"u/self-kid"},
        "org/New": {"u/new-ft", "u/new-merge"},
        "org/Ren-new": {"u/ren-kid"},
    }
    # Before: Gone and the deleted middle still listed; New not yet there; the renamed base's old id.
    assert forest_ids(literal, BEFORE) == {
        "org/A": {"u/a-ft", "u/a-ft-q", "u/ab-merge"},
        "org/B": {"u/b-ad", "u/ab-merge", "u/deleted-mid", "u/below-deleted"},
        "org/Self": {"u/self-kid"},
        "org/Gone": {"u/gone-kid"},
        "org/Ren-old": {"u/ren-kid"},
    }


def test_whole_hub_by_hand(literal: Catalogue) -> None:
    def base(ids: set[str], new: int | None, f: int, a: int, q: int, m: int, base_id: str) -> BaseTruth:
        own = literal.figures(literal.index_of(base_id), NOW)
        return BaseTruth(
            derivatives=len(ids),
            new_derivatives=new,
            finetunes=f,
            adapters=a,
            quantizations=q,
            merges=m,
            downloads_30d=own.downloads,
            downloads_all_time=own.downloads_all_time,
            derivative_downloads_30d=downloads(literal, ids, NOW),
        )

    a = {"u/a-ft", "u/a-ft-q", "u/ab-merge", "u/new-merge", "u/a-late"}
    b = {"u/b-ad", "u/ab-merge"}
    view = whole_hub(literal, NOW, BEFORE)
    assert view == HubTruth(
        models=26,  # 31 rows: Gone and deleted-mid deleted, Secret and private-mid private, future not yet
        derivatives=9,  # the two merges once each
        new_derivatives=3,  # new-ft, new-merge, a-late; gone-kid and the deleted ones left, none new
        bases={
            "org/A": base(a, 2, 1, 1, 1, 2, "org/A"),
            "org/B": base(b, 0, 0, 1, 0, 1, "org/B"),
            "org/New": base({"u/new-ft", "u/new-merge"}, 2, 1, 0, 0, 1, "org/New"),
            "org/Ren-new": base({"u/ren-kid"}, 0, 1, 0, 0, 0, "org/Ren-new"),  # renamed: the same base
            "org/Self": base({"u/self-kid"}, 0, 0, 0, 1, 0, "org/Self"),
        },
    )
    assert list(view.bases) == ["org/A", "org/B", "org/New", "org/Ren-new", "org/Self"]
    # A merge's downloads count once per base it belongs to, and figures are the catalogue's at NOW.
    merge = literal.figures(literal.index_of("u/ab-merge"), NOW).downloads
    assert merge > 0
    assert view.bases["org/A"].derivative_downloads_30d + view.bases["org/B"].derivative_downloads_30d == (
        downloads(literal, a | b, NOW) + merge
    )


def test_without_before_and_at_the_earlier_time(literal: Catalogue) -> None:
    view = whole_hub(literal, BEFORE)
    assert (view.models, view.derivatives, view.new_derivatives) == (24, 9, None)
    assert {k: (v.derivatives, v.new_derivatives) for k, v in view.bases.items()} == {
        "org/A": (3, None),
        "org/B": (4, None),
        "org/Gone": (1, None),
        "org/Ren-old": (1, None),
        "org/Self": (1, None),
    }
    # Against itself nothing is new; against a time before everything, every derivative is.
    assert whole_hub(literal, NOW, NOW).new_derivatives == 0
    first = whole_hub(literal, NOW, T0 - DAY)
    assert first.new_derivatives == first.derivatives == 9
    assert all(v.new_derivatives == v.derivatives for v in first.bases.values())


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # A cycle alone: each declares the other, so neither is a base, nor a derivative of one.
        ([("x/a", "finetune", ["x/b"], T0, {}), ("x/b", "merge", ["x/a"], T0, {})], {}),
        # A self-naming model with a child is a base; its child's self-link is ignored too.
        (
            [("x/s", "finetune", ["x/s"], T0, {}), ("x/k", "finetune", ["x/s", "x/k"], T0, {})],
            {"x/s": {"x/k"}},
        ),
        # A deleted base's and a private base's public children belong to no base.
        (
            [
                ("x/del", None, [], T0, {"toggles": (T0 + DAY,)}),
                ("x/del-kid", "finetune", ["x/del"], T0, {}),
                ("x/priv", None, [], T0, {"private": True}),
                ("x/priv-kid", "adapter", ["x/priv"], T0, {}),
            ],
            {},
        ),
        # A child created after the clock does not make its parent a base yet.
        ([("x/p", None, [], T0, {}), ("x/later", "finetune", ["x/p"], NOW + DAY, {})], {}),
        # A deep chain through a merge of two roots: every model below counts for both.
        (
            [
                ("x/r1", None, [], T0, {}),
                ("x/r2", None, [], T0, {}),
                ("x/m", "merge", ["x/r1", "x/r2"], T0, {}),
                ("x/m-ft", "finetune", ["x/m"], T0, {}),
                ("x/m-ft-q", "quantized", ["x/m-ft"], T0, {}),
            ],
            {"x/r1": {"x/m", "x/m-ft", "x/m-ft-q"}, "x/r2": {"x/m", "x/m-ft", "x/m-ft-q"}},
        ),
    ],
    ids=["cycle", "self-named", "deleted-and-private", "future-child", "merge-chain"],
)
def test_small_cases(rows, expected) -> None:
    cat = make_catalogue(rows)
    assert forest_ids(cat, NOW) == expected
    view = whole_hub(cat, NOW)
    assert view.derivatives == len(set().union(*expected.values()))
    assert {k: v.derivatives for k, v in view.bases.items()} == {k: len(v) for k, v in expected.items()}


# --- the synthetic Hub's untracked families --------------------------------------------------------


def test_synthetic_holds_every_forest_case(catalogue: Catalogue) -> None:
    t = catalogue.default_now
    feats = catalogue.features
    hub = forest_ids(catalogue, t)
    view = whole_hub(catalogue, t, t - WEEK)
    for base_id in ("moonshotai/Kimi-K2-Instruct", "microsoft/Phi-4-mini-instruct", "openai/gpt-oss-20b"):
        assert len(hub[base_id]) >= 7, base_id
    # Text to image: FLUX.1-dev, its derivatives mostly adapters.
    flux = catalogue.models[catalogue.index_of(TEXT_TO_IMAGE_ID)]
    assert (flux.pipeline, flux.library) == ("text-to-image", "diffusers")
    assert feats["hub_text_to_image"][0] == TEXT_TO_IMAGE_ID
    assert hub[TEXT_TO_IMAGE_ID] == set(feats["hub_text_to_image"][1:])
    row = view.bases[TEXT_TO_IMAGE_ID]
    assert row.adapters > row.derivatives / 2
    assert (row.derivatives, row.adapters, row.finetunes, row.quantizations, row.merges) == (11, 9, 1, 1, 0)
    # Meta's Muse: apache-2.0, created at MUSE_CREATED; three GGUF quantizations, an assistant and its GGUF.
    muse = catalogue.models[catalogue.index_of(MUSE_ID)]
    assert (muse.license, muse.created) == ("apache-2.0", MUSE_CREATED)
    assert hub[MUSE_ID] == set(feats["hub_muse"][1:])
    assert feats["hub_muse"][4].endswith("/" + MUSE_ASSISTANT_NAME)
    assert sum(i.endswith("-GGUF") for i in hub[MUSE_ID]) == 4
    assert (view.bases[MUSE_ID].finetunes, view.bases[MUSE_ID].quantizations) == (1, 4)
    # A base born between the last two weekly runs: everything about it is new.
    assert t - WEEK < NEW_BASE_CREATED < t
    assert feats["hub_new_base"][0] == NEW_BASE_ID
    assert NEW_BASE_ID not in forest_ids(catalogue, t - WEEK)
    assert hub[NEW_BASE_ID] == set(feats["hub_new_base"][1:])
    assert view.bases[NEW_BASE_ID].new_derivatives == view.bases[NEW_BASE_ID].derivatives == 4
    # Merges across two bases' trees: a derivative of each, once hub-wide.
    for merge in feats["hub_cross_merge"]:
        assert sum(merge in ds for ds in hub.values()) == 2, merge
    # A deleted base (a base before its deletion) and a private one: their derivatives belong to no base.
    deleted, *deleted_kids = feats["hub_deleted_base"]
    private, *private_kids = feats["hub_private_base"]
    assert (deleted, private) == (DELETED_BASE_ID, PRIVATE_BASE_ID)
    assert deleted not in hub
    assert private not in hub
    assert forest_ids(catalogue, DELETED_BASE_AT - DAY)[deleted] == set(deleted_kids)
    everyone = set().union(*hub.values())
    for kid in [*deleted_kids, *private_kids, *feats["hub_cycle"]]:
        assert catalogue.listed(catalogue.index_of(kid), t), kid
        assert kid not in everyone, kid
    # A cycle reaching no base: the two declare each other only.
    assert feats["hub_cycle"][:2] == CYCLE_IDS
    first, second = (catalogue.index_of(i) for i in CYCLE_IDS)
    assert (catalogue.models[first].parents, catalogue.models[second].parents) == ((second,), (first,))
    # A base whose card names itself.
    (glm,) = feats["hub_self_named_base"]
    assert glm == SELF_NAMED_BASE_ID
    assert catalogue.parent_ids_at(catalogue.index_of(glm), t) == [glm]
    assert len(hub[glm]) == 5
    # Every base added here but the deleted and the private one is a base at the default clock.
    assert set(feats["hub_bases"]) - set(hub) == {DELETED_BASE_ID, PRIVATE_BASE_ID}
    assert view.derivatives == len(everyone)


def test_base_figures_are_the_listing_figures(hub, api, catalogue: Catalogue) -> None:
    """Each untracked base's downloads are exactly what the emulator's listing serves at its clock."""
    view = whole_hub(catalogue, hub.now)
    authors = {i.split("/")[0] for i in catalogue.features["hub_bases"]}
    listed = {}
    for author in sorted(authors):
        for m in api.list_models(author=author, expand=["downloads", "downloadsAllTime"]):
            listed[m.id] = (m.downloads, m.downloads_all_time)
    checked = set()
    for base_id, row in view.bases.items():
        if base_id in listed:
            assert listed[base_id] == (row.downloads_30d, row.downloads_all_time), base_id
            checked.add(base_id)
    assert set(catalogue.features["hub_bases"][:7]) <= checked
    # And a derivative's, summed per base: the listing of the children of a base with no grandchildren.
    kids = list(api.list_models(filter=f"base_model:{NEW_BASE_ID}", expand=["downloads"]))
    assert sum(m.downloads for m in kids) == view.bases[NEW_BASE_ID].derivative_downloads_30d


def test_untracked_families_leave_the_rest_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """The families come after every other draw, with their own: the models before them are unchanged."""
    from tracker.core.ecosystems import load_ecosystems
    from tracker.emulator.builders import synthetic
    from tracker.emulator.truth import ground_truth

    with_forest = synthetic.build_synthetic(seed=5, models=3000)
    monkeypatch.setattr(synthetic, "add_forest", lambda b, seed: None)
    without = synthetic.build_synthetic(seed=5, models=3000)
    assert len(with_forest) == len(without) + FOREST_MODELS
    added = {m.repo_id for m in with_forest.models} - {m.repo_id for m in without.models}
    assert len(added) == FOREST_MODELS
    kept = [m for m in with_forest.models if m.repo_id not in added]
    assert [(m.oid, m.repo_id, m.created, m.rate, m.relation) for m in kept] == [
        (m.oid, m.repo_id, m.created, m.rate, m.relation) for m in without.models
    ]
    others = [e for e in load_ecosystems() if e.name != "muse"]
    t = without.default_now
    assert ground_truth(with_forest, others, t) == ground_truth(without, others, t)

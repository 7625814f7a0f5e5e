"""The lineage explorer's tree, on a small hand-made forest: every model inside its parent's span, a merge
under each of its parents and counted once, a chain, a cycle, and the bounds on what is drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import tree
from tracker.core import lineage_index

# R: A (100) and B (60); A: a chain C -> D -> E and the merge M, also B's child; S: a cycle X <-> Y.
MEMBERS = {
    "o/R": ("base", 0, 10),
    "o/A": ("finetune", 1, 100),
    "o/B": ("quantized", 1, 60),
    "o/C": ("adapter", 2, 20),
    "o/D": ("finetune", 3, 5),
    "o/E": ("finetune", 4, 1),
    "o/M": ("merge", 2, 40),
    "o/S": ("base", 0, 0),
    "o/X": ("finetune", 1, 7),
    "o/Y": ("finetune", 1, 3),
}
EDGES = [
    ("o/A", "o/R", "finetune"),
    ("o/B", "O/r", "quantized"),  # declared ids differ in case
    ("o/C", "o/A", "adapter"),
    ("o/D", "o/C", "finetune"),
    ("o/E", "o/D", "finetune"),
    ("o/M", "o/A", "merge"),
    ("o/M", "o/B", "merge"),
    ("o/X", "o/S", "finetune"),
    ("o/X", "o/Y", "finetune"),
    ("o/Y", "o/X", "finetune"),
]


@pytest.fixture(scope="module")
def index() -> lineage_index.Index:
    members = pd.DataFrame(
        [(m, "F", r, d, dl, 0) for m, (r, d, dl) in MEMBERS.items()],
        columns=["model_id", "family", "relation", "depth", "downloads_30d", "likes"],
    )
    return lineage_index.build(members, EDGES)


def subtree(index: lineage_index.Index, root: str) -> pd.DataFrame:
    """As `tracker.read.explorer.load_subtree` reads it: the model's row, then its descendants, largest
    first."""
    own = index.nodes[index.nodes["model_id"] == root].assign(level=0)
    below = index.links[index.links["ancestor_id"] == root].sort_values("tree_downloads", ascending=False)
    return pd.concat([own, below], ignore_index=True)[[*own.columns]]


def test_the_index_counts_a_merge_once(index) -> None:  # noqa: ANN001
    nodes = index.nodes.set_index("model_id")
    assert nodes.loc["o/R", "descendants"] == 6
    assert nodes.loc["o/R", "subtree_downloads"] == 236  # 10 + 100 + 60 + 20 + 5 + 1 + 40: M once
    assert nodes.loc["o/R", "tree_downloads"] == 236  # the shares add up to the same
    assert nodes.loc["o/A", "tree_downloads"] == 100 + 26 + 40 / 2  # half of the merge
    assert nodes.loc["o/R", "tree_models"] == 7
    assert nodes.loc["o/M", "parents"] == "o/A\no/B"
    assert nodes.loc["o/E", "path"] == "o/D\no/C\no/A\no/R"
    assert nodes.loc["o/E", "root_id"] == "o/R"
    assert nodes.loc["o/A", "children_merge"] == 1
    assert nodes.loc["o/A", "children_adapter"] == 1
    levels = index.links.set_index(["ancestor_id", "model_id"])["level"]
    assert levels[("o/R", "o/E")] == 4
    assert levels[("o/R", "o/M")] == 2
    assert ("o/X", "o/X") not in levels.index  # a cycle: never its own ancestor


def test_every_model_is_drawn_inside_its_parent(index) -> None:  # noqa: ANN001
    drawn = tree.layout(subtree(index, "o/R"))
    spans = drawn.spans.set_index("span")
    assert (spans.loc[0, "model_id"], spans.loc[0, "x0"], spans.loc[0, "x1"]) == ("o/R", 0.0, 1.0)
    for _, row in spans.iloc[1:].iterrows():
        parent = spans.loc[row["under"]]
        assert parent["model_id"] == row["parent"]
        assert parent["x0"] - 1e-12 <= row["x0"] < row["x1"] <= parent["x1"] + 1e-12
        assert row["row"] == parent["row"] + 1
    merges = spans[spans["model_id"] == "o/M"]
    assert sorted(merges["parent"]) == ["o/A", "o/B"]  # under each of its parents
    assert merges["share"].sum() == pytest.approx(40 / 226)  # and counted once (of R's descendants' 226)
    assert (merges["parents"] == 2).all()
    chain = spans.set_index("model_id").loc[["o/C", "o/D", "o/E"]]
    assert chain["row"].tolist() == [2, 3, 4]
    assert chain["share"].tolist() == pytest.approx([26 / 226, 6 / 226, 1 / 226])
    top = spans[spans["row"] == 1]
    assert top["share"].sum() == pytest.approx(1.0)  # R's descendants share the whole width
    assert drawn.drawn == drawn.models == 7
    assert drawn.not_drawn == 0


def test_sized_by_models(index) -> None:  # noqa: ANN001
    spans = tree.layout(subtree(index, "o/R"), size="models").spans.set_index("model_id")
    assert spans.loc["o/A", "share"] == pytest.approx((1 + 3 + 0.5) / 6)
    assert spans.loc["o/E", "share"] == pytest.approx(1 / 6)


def test_what_is_drawn_is_bounded(index) -> None:  # noqa: ANN001
    few = tree.layout(subtree(index, "o/R"), max_nodes=3, models=7)
    assert few.spans["model_id"].tolist() == ["o/R", "o/A", "o/B"]  # the widest first
    assert few.not_drawn == 4
    shallow = tree.layout(subtree(index, "o/R"), max_depth=2)
    assert shallow.spans["row"].max() == 2
    assert set(shallow.spans["model_id"]) == {"o/R", "o/A", "o/B", "o/C", "o/M"}


def test_spans_too_thin_to_see_are_not_drawn(index) -> None:  # noqa: ANN001
    whole = tree.layout(subtree(index, "o/R"))
    thinnest = whole.spans["share"].iloc[1:].min()  # E: 1 of R's descendants' 226
    thin = tree.layout(subtree(index, "o/R"), min_share=thinnest * 1.01)
    assert set(whole.spans["model_id"]) - set(thin.spans["model_id"]) == {"o/E"}
    assert thin.not_drawn == whole.not_drawn + 1
    assert tree.layout(subtree(index, "o/R"), min_share=2.0).spans["model_id"].tolist() == ["o/R"]
    assert tree.MIN_SHARE * 1_000 < 1  # a quarter of a pixel at 1,000 px: nothing a reader could see


def test_a_cycle_ends_and_a_re_rooted_view_starts_from_its_model(index) -> None:  # noqa: ANN001
    spans = tree.layout(subtree(index, "o/S")).spans
    assert spans["model_id"].tolist() == ["o/S", "o/X", "o/Y"]
    on_x = tree.layout(subtree(index, "o/X")).spans
    assert on_x["model_id"].tolist() == ["o/X", "o/Y"]  # X is not drawn again below Y
    on_a = tree.layout(subtree(index, "o/A")).spans
    assert on_a["model_id"].iloc[0] == "o/A"
    assert "o/B" not in set(on_a["model_id"])


def test_nothing_to_draw_without_downloads() -> None:
    members = pd.DataFrame(
        [("z/R", "F", "base", 0, None, 0), ("z/c", "F", "finetune", 1, None, 0)],
        columns=["model_id", "family", "relation", "depth", "downloads_30d", "likes"],
    )
    index = lineage_index.build(members, [("z/c", "z/R", "finetune")])
    nodes = subtree(index, "z/R")
    assert tree.layout(nodes).spans.empty  # no downloads known: no widths
    assert tree.layout(nodes, size="models").drawn == 2
    with pytest.raises(ValueError, match="size must be"):
        tree.layout(nodes, size="likes")

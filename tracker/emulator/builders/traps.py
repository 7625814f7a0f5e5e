"""The fixed awkward cases of the synthetic Hub, named in `Catalogue.features` for tests and the demo."""

from __future__ import annotations

from tracker.emulator.builders.builder import CatalogueBuilder
from tracker.emulator.vocabulary import DAY, parse_time


def add_traps(b: CatalogueBuilder, now: int) -> None:
    """The fixed awkward cases every crawl must survive; named in `Catalogue.features`."""
    big = b.by_id["meta-llama/llama-3.1-8b-instruct"]
    base31 = b.by_id["meta-llama/llama-3.1-8b"]
    small = b.by_id["meta-llama/llama-3.2-3b-instruct"]
    qwen = b.by_id["qwen/qwen2.5-7b-instruct"]
    t0 = parse_time("2025-01-06T12:00:00Z")
    feats = b.features

    # A chain 8 deep below Llama 3.1 8B Instruct.
    chain, parent = [], big
    for depth in range(1, 9):
        parent = b.derivative(
            "finetune",
            [parent],
            t0 + depth * 9 * DAY,
            eco="llama",
            author="depth-chain",
            name=f"Llama-3.1-8B-chain-step-{depth}",
        )
        chain.append(parent)
    feats["deep_chain"] = tuple(b.drafts[k].model.repo_id for k in chain)
    # Merges with several parents, one across ecosystems.
    cross = b.derivative(
        "merge",
        [big, qwen],
        parse_time("2025-02-03T09:00:00Z"),
        eco="llama",
        author="merge-works",
        name="Llama-3.1-Qwen2.5-8B-slerp",
    )
    multi = b.derivative(
        "merge",
        [big, chain[0], small],
        parse_time("2025-02-10T09:00:00Z"),
        eco="llama",
        author="merge-works",
        name="Llama-3-triple-ties",
    )
    feats["cross_ecosystem_merge"] = (b.drafts[cross].model.repo_id,)
    feats["multi_parent_merge"] = (b.drafts[multi].model.repo_id,)
    # A model naming itself as base (beside a real one).
    selfish = b.derivative(
        "finetune",
        [base31],
        parse_time("2025-03-03T09:00:00Z"),
        eco="llama",
        author="loopy",
        name="Llama-3.1-8B-self-reference",
    )
    b.drafts[selfish].parents.append(selfish)
    feats["self_base"] = (b.drafts[selfish].model.repo_id,)
    # A base that never existed: beside a real parent, and alone.
    ghost = "ghost-org/llama-3-8b-never-published"
    g1 = b.derivative(
        "merge",
        [big],
        parse_time("2025-03-10T09:00:00Z"),
        eco="llama",
        author="loopy",
        name="Llama-3.1-ghost-merge",
        ghosts=(ghost,),
    )
    g2 = b.derivative(
        "finetune",
        [],
        parse_time("2025-03-11T09:00:00Z"),
        eco="llama",
        author="loopy",
        name="orphan-of-a-ghost",
        ghosts=(ghost,),
    )
    feats["ghost_base"] = (ghost, b.drafts[g1].model.repo_id, b.drafts[g2].model.repo_id)
    # A two-model cycle hanging below Llama 3.2 3B Instruct.
    ca = b.derivative(
        "merge", [small], parse_time("2025-03-17T09:00:00Z"), eco="llama", author="loopy", name="cycle-a-3B"
    )
    cb = b.derivative(
        "finetune", [ca], parse_time("2025-03-18T09:00:00Z"), eco="llama", author="loopy", name="cycle-b-3B"
    )
    b.drafts[ca].parents.append(cb)
    feats["cycle"] = (b.drafts[ca].model.repo_id, b.drafts[cb].model.repo_id)
    # A private model with a public child: the child's only path to Llama is broken.
    private = b.derivative(
        "finetune",
        [big],
        parse_time("2025-04-01T09:00:00Z"),
        eco="llama",
        author="stealth-ai",
        name="Llama-3.1-8B-internal",
        private=True,
    )
    pchild = b.derivative("quantized", [private], parse_time("2025-04-08T09:00:00Z"), eco="llama", fmt="gguf")
    feats["private"] = (b.drafts[private].model.repo_id,)
    feats["child_of_private"] = (b.drafts[pchild].model.repo_id,)
    # Gated derivatives.
    gated = b.derivative(
        "finetune",
        [big],
        parse_time("2025-04-14T09:00:00Z"),
        eco="llama",
        author="gatekeepers",
        name="Llama-3.1-8B-medical",
        gated="manual",
    )
    feats["gated"] = (b.drafts[gated].model.repo_id,)
    # Renamed after the default clock: a finetune with children (their tags follow the new id).
    ren = b.derivative(
        "finetune",
        [big],
        parse_time("2025-05-05T09:00:00Z"),
        eco="llama",
        author="ember-labs",
        name="Llama-3.1-8B-Chat",
        old_id=b.unique("ember-labs/Llama-3.1-8B-Chat-beta"),
        renamed_at=now + 10 * DAY,
        scale=40.0,
    )
    for j in range(12):
        b.derivative(
            "quantized" if j % 2 else "finetune",
            [ren],
            parse_time("2025-05-20T09:00:00Z") + j * DAY,
            eco="llama",
        )
    m = b.drafts[ren].model
    feats["renamed"] = (m.old_id or "", m.repo_id)
    # Deleted: a leaf, and a parent with children (its subtree drops out of the ecosystem), both after
    # the default clock; one deleted before it and restored after it.
    leaf = b.derivative(
        "adapter", [big], parse_time("2025-06-02T09:00:00Z"), eco="llama", toggles=(now + 4 * DAY,)
    )
    dparent = b.derivative(
        "finetune", [small], parse_time("2025-06-09T09:00:00Z"), eco="llama", toggles=(now + 12 * DAY,)
    )
    for j in range(5):
        b.derivative(
            "adapter" if j % 2 else "finetune",
            [dparent],
            parse_time("2025-06-16T09:00:00Z") + j * DAY,
            eco="llama",
        )
    restored = b.derivative(
        "finetune",
        [big],
        parse_time("2025-06-23T09:00:00Z"),
        eco="llama",
        toggles=(now - 20 * DAY, now + 5 * DAY),
    )
    feats["deleted"] = (b.drafts[leaf].model.repo_id, b.drafts[dparent].model.repo_id)
    feats["restored"] = (b.drafts[restored].model.repo_id,)
    # A downward revision of downloadsAllTime, three days after the default clock.
    rev = b.derivative(
        "quantized",
        [big],
        parse_time("2025-02-17T09:00:00Z"),
        eco="llama",
        fmt="gguf",
        author=b.quantizers[0],
        scale=400.0,
        revision_at=now + 3 * DAY,
        revision_fraction=0.35,
    )
    feats["revision"] = (b.drafts[rev].model.repo_id,)
    feats["big_parent"] = (b.drafts[big].model.repo_id,)

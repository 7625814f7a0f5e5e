"""The emulated weekly archive `hfmlsoc/hub_weekly_snapshots`, read with the real huggingface_hub client
over real HTTP: tree listings, downloads, byte ranges, and files that match the catalogue row for row."""

from __future__ import annotations

import hashlib
import json
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tracker.emulator.archive import parquet as parquet_module
from tracker.emulator.archive.files import git_blob_oid
from tracker.emulator.archive.repository import REPO_ID, Archive
from tracker.emulator.archive.schema import label_time, labels_for, schema_for
from tracker.emulator.builders.synthetic import build_synthetic
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.routes.datasets import parse_range
from tracker.emulator.routes.server import HubEmulator

RECENT = date(2025, 3, 19)  # downloadsAllTime and baseModels
MIDDLE = date(2024, 12, 4)  # baseModels, no downloadsAllTime
FIRST = date(2024, 7, 24)  # modelId, no baseModels


@pytest.fixture(scope="module")
def small() -> Catalogue:
    """A small synthetic catalogue: its weekly files are a few thousand rows."""
    return build_synthetic(seed=0, models=4000)


@pytest.fixture
def emu(small: Catalogue) -> Iterator[HubEmulator]:
    with HubEmulator(small) as emulator:
        yield emulator


def _api(emu: HubEmulator):  # noqa: ANN202 - HfApi, imported lazily like the product does
    from huggingface_hub import HfApi

    return HfApi(endpoint=emu.url, token=False, library_name="tracker-tests")


def _download(emu: HubEmulator, path: str) -> Path:
    from huggingface_hub import hf_hub_download

    cache = tempfile.mkdtemp(prefix="tracker-tests-archive-")
    return Path(
        hf_hub_download(REPO_ID, path, repo_type="dataset", endpoint=emu.url, token=False, cache_dir=cache)
    )


def _raw(emu: HubEmulator, path: str, *, method: str = "GET", headers: dict | None = None):  # noqa: ANN202
    """(status, headers, body) of one raw request, errors included."""
    request = urllib.request.Request(emu.url + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _resolve(label: date) -> str:
    return f"/datasets/{REPO_ID}/resolve/main/models/{label.isoformat()}/models.parquet"


# --- labels and schema ---------------------------------------------------------------------------------


def test_labels_per_catalogue(small: Catalogue) -> None:
    labels = labels_for(small)
    assert labels[0] == FIRST
    assert all((b - a).days == 7 for a, b in zip(labels, labels[1:], strict=False))
    assert label_time(labels[-1]) < small.default_now <= label_time(labels[-1]) + 7 * 86_400
    assert label_time(FIRST) == 1_721_779_200  # 2024-07-24T00:00:00Z
    assert all(label.weekday() == 2 for label in labels)  # Wednesdays


def test_labels_of_the_real_and_realistic_catalogues() -> None:
    real = labels_for(Catalogue("real", [], label_time(date(2025, 7, 2))))
    assert real[0] == date(2025, 3, 19)
    assert real[-1] == date(2025, 7, 2)
    assert len(real) == 16
    realistic = labels_for(Catalogue("realistic", [], label_time(date(2026, 11, 2)) + 6 * 3600))
    assert realistic == [date(2026, 10, 28)]


def test_schema_by_era() -> None:
    first, middle, recent = schema_for(FIRST), schema_for(MIDDLE), schema_for(RECENT)
    assert "modelId" in first.names
    assert "baseModels" not in first.names
    assert "modelId" in schema_for(date(2024, 7, 31)).names
    assert "baseModels" in middle.names
    assert "modelId" not in middle.names
    assert "downloadsAllTime" not in middle.names
    assert "downloadsAllTime" in recent.names
    assert "downloadsAllTime" not in schema_for(date(2025, 2, 19)).names
    assert "downloadsAllTime" in schema_for(date(2025, 2, 26)).names
    for absent in ("gated", "private", "sha"):
        assert absent not in recent.names
    assert str(recent.field("cardData").type) == "string"
    assert str(recent.field("createdAt").type) == "timestamp[ms, tz=UTC]"
    parent = pa.struct([("_id", pa.string()), ("id", pa.string())])
    assert recent.field("baseModels").type == pa.struct(
        [("relation", pa.string()), ("models", pa.list_(parent))]
    )


# --- the repository through huggingface_hub ---------------------------------------------------------------


def test_dataset_info_and_tree(emu: HubEmulator) -> None:
    api = _api(emu)
    info = api.dataset_info(REPO_ID)
    archive = emu.archive
    assert archive is not None
    assert info.sha == archive.commit
    assert not info.private
    assert "license:odbl" in info.tags
    assert info.card_data.license == "odbl"
    assert {s.rfilename for s in info.siblings} >= {"README.md", f"models/{RECENT}/models.parquet"}
    assert api.dataset_info(REPO_ID, revision=archive.commit).sha == archive.commit

    folders = list(api.list_repo_tree(REPO_ID, path_in_repo="models", repo_type="dataset"))
    assert [f.path for f in folders] == [f"models/{label}" for label in archive.labels]
    assert emu.stats()["archive"]["files"] == {}  # listing folders writes no file

    (entry,) = api.list_repo_tree(REPO_ID, path_in_repo=f"models/{RECENT}", repo_type="dataset")
    assert entry.path == f"models/{RECENT}/models.parquet"
    assert entry.lfs is not None
    assert entry.size == entry.lfs.size > 10_000
    pointer = (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{entry.lfs.sha256}\nsize {entry.size}\n"
    )
    assert entry.blob_id == git_blob_oid(pointer.encode())
    assert entry.lfs.pointer_size == len(pointer)
    assert emu.stats()["archive"]["files"] == {entry.path: entry.size}

    root = {e.path for e in api.list_repo_tree(REPO_ID, repo_type="dataset")}
    assert root == {"models", "README.md", ".gitattributes"}
    readme = _download(emu, "README.md").read_text()
    assert "license: odbl" in readme
    assert "ODbL-1.0" in readme


def test_tree_pagination(small: Catalogue) -> None:
    """Pages of `tree_page` entries chained by `Link: rel="next"`, as the Hub's pages of 1,000."""
    archive = Archive(small, tree_page=7)
    with archive, HubEmulator(small, archive=archive) as emu:
        folders = list(_api(emu).list_repo_tree(REPO_ID, path_in_repo="models", repo_type="dataset"))
        assert len(folders) == len(archive.labels) > 7 * 3
        assert len({f.path for f in folders}) == len(folders)
        pages = emu.stats()["archive"]["requests"]
        assert pages == -(-len(folders) // 7)
        status, headers, body = _raw(emu, f"/api/datasets/{REPO_ID}/tree/main/models")
        assert status == 200
        assert len(json.loads(body)) == 7
        assert headers["Link"].startswith(f"<{emu.url}/api/datasets/{REPO_ID}/tree/main/models?")
        assert headers["Link"].endswith('>; rel="next"')
        status, _, _ = _raw(emu, f"/api/datasets/{REPO_ID}/tree/main/models?cursor=bogus")
        assert status == 400


def test_tree_errors(emu: HubEmulator) -> None:
    status, headers, _ = _raw(emu, f"/api/datasets/{REPO_ID}/tree/main/models%2F2031-01-01")
    assert status == 404
    assert headers["X-Error-Code"] == "EntryNotFound"
    status, headers, _ = _raw(emu, f"/api/datasets/{REPO_ID}/tree/nope/models")
    assert status == 404
    assert headers["X-Error-Code"] == "RevisionNotFound"
    status, headers, body = _raw(emu, "/api/datasets/someone/else")
    assert status == 404
    assert headers["X-Error-Code"] == "RepoNotFound"
    assert json.loads(body) == {"error": "Repository not found"}


# --- the files --------------------------------------------------------------------------------------------


def _parents(cat: Catalogue, i: int, t: int) -> list[str]:
    """The parents as the archive's `baseModels` names them: as the child declared them when it was made
    (a parent renamed since by its old id; the tags name the current one)."""
    m = cat.models[i]
    return cat.parent_ids_at(i, m.created) if m.relation else []


def test_download_matches_catalogue(emu: HubEmulator, small: Catalogue) -> None:
    """hf_hub_download gives the tree's sha256, and the rows are the catalogue as listed at the label."""
    api = _api(emu)
    (entry,) = api.list_repo_tree(REPO_ID, path_in_repo=f"models/{RECENT}", repo_type="dataset")
    local = _download(emu, entry.path)
    assert hashlib.sha256(local.read_bytes()).hexdigest() == entry.lfs.sha256
    table = pq.read_table(local)
    t = label_time(RECENT)
    listed = list(small.iter_listed(t))
    assert table.num_rows == len(listed) > 500
    assert table.schema == schema_for(RECENT)
    rows = table.select(["_id", "id", "author", "downloads", "downloadsAllTime", "likes", "baseModels"])
    for i, row in zip(listed, rows.to_pylist(), strict=True):
        m, f = small.models[i], small.figures(i, t)
        assert (row["_id"], row["id"]) == (m.oid, small.id_at(i, t))
        assert (row["downloads"], row["downloadsAllTime"], row["likes"]) == (
            f.downloads,
            f.downloads_all_time,
            f.likes,
        )
        bases = row["baseModels"]
        assert ([b["id"] for b in bases["models"]] if bases else []) == _parents(small, i, t)
        if bases:
            assert bases["relation"] == m.relation
    cards = table.column("cardData").to_pylist()
    assert all(isinstance(json.loads(c), dict) for c in cards)
    assert pq.ParquetFile(local).metadata.num_row_groups >= 1


def test_ghost_base_has_no_object_id(emu: HubEmulator, small: Catalogue) -> None:
    t = label_time(labels_for(small)[-1])
    ghosts = [i for i in small.iter_listed(t) if any(isinstance(p, str) for p in small.models[i].parents)]
    assert ghosts
    table = pq.read_table(_download(emu, f"models/{labels_for(small)[-1]}/models.parquet"))
    by_id = {r["id"]: r["baseModels"] for r in table.select(["id", "baseModels"]).to_pylist()}
    bases = by_id[small.id_at(ghosts[0], t)]["models"]
    assert any(b["_id"] is None for b in bases)


@pytest.mark.parametrize("label", [FIRST, MIDDLE])
def test_older_eras(emu: HubEmulator, small: Catalogue, label: date) -> None:
    table = pq.read_table(_download(emu, f"models/{label}/models.parquet"))
    t = label_time(label)
    assert table.schema == schema_for(label)
    assert "downloadsAllTime" not in table.schema.names
    ids = table.column("id").to_pylist()
    assert ids == [small.id_at(i, t) for i in small.iter_listed(t)]
    if label == FIRST:
        assert table.column("modelId").to_pylist() == ids
        # Lineage only in the tags: base_model:<parent> of every declared parent.
        tags = dict(zip(ids, table.column("tags").to_pylist(), strict=True))
        for i in small.iter_listed(t):
            for parent in small.parent_ids_at(i, t) if small.models[i].relation else []:
                assert f"base_model:{parent}" in tags[small.id_at(i, t)]


def test_hf_file_system_reads_only_what_it_needs(emu: HubEmulator, small: Catalogue) -> None:
    from huggingface_hub import HfFileSystem

    fs = HfFileSystem(endpoint=emu.url, token=False)
    path = f"datasets/{REPO_ID}/models/{RECENT}/models.parquet"
    emu.reset_stats()
    with fs.open(path, block_size=1 << 16) as f:
        ids = pq.ParquetFile(f).read(columns=["id"]).column("id").to_pylist()
    assert ids == [small.id_at(i, label_time(RECENT)) for i in small.iter_listed(label_time(RECENT))]
    stats = emu.stats()["archive"]
    key = f"models/{RECENT}/models.parquet"
    size = stats["files"][key]
    assert 0 < stats["bytes_served"][key] < size / 3
    assert emu.stats()["requests"] == 0  # the archive is not counted against the API quota


# --- raw HTTP: ranges, HEAD, errors ------------------------------------------------------------------------


def test_head_headers(emu: HubEmulator) -> None:
    status, headers, body = _raw(emu, _resolve(RECENT), method="HEAD")
    archive = emu.archive
    assert archive is not None
    f = archive.weekly(RECENT)
    assert status == 200
    assert body == b""
    assert headers["ETag"] == f'"{f.sha256}"' == headers["X-Linked-Etag"]
    assert headers["X-Repo-Commit"] == archive.commit
    assert int(headers["Content-Length"]) == f.size == int(headers["X-Linked-Size"])
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Type"] == "application/octet-stream"
    assert emu.stats()["archive"]["bytes_served"] == {}
    status, headers, _ = _raw(emu, f"/datasets/{REPO_ID}/resolve/{archive.commit}/README.md", method="HEAD")
    assert status == 200
    assert headers["ETag"] == f'"{archive.file("README.md").blob_oid}"'


def test_ranges(emu: HubEmulator) -> None:
    archive = emu.archive
    assert archive is not None
    f = archive.weekly(RECENT)
    assert f.local is not None
    data = f.local.read_bytes()
    status, headers, body = _raw(emu, _resolve(RECENT), headers={"Range": "bytes=100-199"})
    assert status == 206
    assert body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{f.size}"
    assert headers["Content-Length"] == "100"
    status, headers, body = _raw(emu, _resolve(RECENT), headers={"Range": "bytes=-8"})
    assert status == 206
    assert body == data[-8:]
    assert body.endswith(b"PAR1")
    assert headers["Content-Range"] == f"bytes {f.size - 8}-{f.size - 1}/{f.size}"
    status, headers, body = _raw(emu, _resolve(RECENT), headers={"Range": f"bytes={f.size - 5}-"})
    assert status == 206
    assert body == data[-5:]
    status, headers, _ = _raw(emu, _resolve(RECENT), headers={"Range": f"bytes={f.size}-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{f.size}"
    status, _, body = _raw(emu, _resolve(RECENT))
    assert status == 200
    assert body == data
    served = emu.stats()["archive"]["bytes_served"][f.path]
    assert served == 100 + 8 + 5 + f.size


def test_parse_range() -> None:
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-4", 10) == (2, 5)
    assert parse_range("bytes=2-40", 10) == (2, 10)
    assert parse_range("bytes=-3", 10) == (7, 10)
    assert parse_range("bytes=-30", 10) == (0, 10)
    assert parse_range("bytes=7-", 10) == (7, 10)
    assert parse_range("bytes=10-", 10) == "unsatisfiable"
    assert parse_range("bytes=-0", 10) == "unsatisfiable"
    assert parse_range("bytes=5-2", 10) is None  # malformed: the whole file
    assert parse_range("bytes=0-1,4-5", 10) is None
    assert parse_range("items=0-1", 10) is None


def test_resolve_errors(emu: HubEmulator) -> None:
    status, headers, _ = _raw(emu, f"/datasets/{REPO_ID}/resolve/main/models/2031-01-01/models.parquet")
    assert status == 404
    assert headers["X-Error-Code"] == "EntryNotFound"
    assert headers["X-Repo-Commit"] == emu.archive.commit  # type: ignore[union-attr]
    status, headers, _ = _raw(emu, f"/datasets/{REPO_ID}/resolve/v9/README.md")
    assert status == 404
    assert headers["X-Error-Code"] == "RevisionNotFound"
    status, headers, _ = _raw(emu, "/datasets/nobody/nothing/resolve/main/README.md", method="HEAD")
    assert status == 404
    assert headers["X-Error-Code"] == "RepoNotFound"
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    with pytest.raises(EntryNotFoundError):
        _download(emu, "models/2031-01-01/models.parquet")
    with pytest.raises(RepositoryNotFoundError):
        _api(emu).dataset_info("nobody/nothing")
    with pytest.raises(RevisionNotFoundError):
        _api(emu).dataset_info(REPO_ID, revision="v9")


def test_paths_info(emu: HubEmulator) -> None:
    infos = _api(emu).get_paths_info(
        REPO_ID, ["README.md", "models", f"models/{RECENT}/models.parquet", "nope"], repo_type="dataset"
    )
    assert [i.path for i in infos] == ["README.md", "models", f"models/{RECENT}/models.parquet"]
    assert infos[2].lfs is not None
    assert infos[2].lfs.size == infos[2].size


def test_state_and_no_archive(small: Catalogue) -> None:
    with HubEmulator(small, archive=False) as emu:
        status, headers, _ = _raw(emu, f"/api/datasets/{REPO_ID}")
        assert status == 404
        assert headers["X-Error-Code"] == "RepoNotFound"
        state = json.loads(_raw(emu, "/_emulator/state")[2])
        assert state["archive"] is None
    with HubEmulator(small) as emu:
        state = json.loads(_raw(emu, "/_emulator/state")[2])
        assert state["archive"]["repo"] == REPO_ID
        assert state["archive"]["labels"][0] == FIRST.isoformat()


# --- determinism and the cache -----------------------------------------------------------------------------


def test_same_catalogue_same_bytes(small: Catalogue, tmp_path: Path) -> None:
    """Two archives, two cache directories: identical files; a forked, parallel write is identical too."""
    one = Archive(small, cache_dir=tmp_path / "one", workers=1).weekly(RECENT)
    two = Archive(small, cache_dir=tmp_path / "two", workers=1).weekly(RECENT)
    assert one.local != two.local
    assert one.local.read_bytes() == two.local.read_bytes()
    assert one.sha256 == two.sha256
    parallel = tmp_path / "parallel.parquet"
    saved = parquet_module.PARALLEL_FROM
    parquet_module.PARALLEL_FROM = 1
    try:
        parquet_module.write_parquet(small, RECENT, parallel, workers=2)
    finally:
        parquet_module.PARALLEL_FROM = saved
    assert parallel.read_bytes() == one.local.read_bytes()  # type: ignore[union-attr]


def test_cache_dir_is_reused_and_private_dir_removed(small: Catalogue, tmp_path: Path) -> None:
    first = Archive(small, cache_dir=tmp_path).weekly(FIRST)
    assert first.local is not None
    assert first.local.parent == tmp_path
    stamp = first.local.stat().st_mtime_ns
    again = Archive(small, cache_dir=tmp_path).weekly(FIRST)
    assert again == first
    assert again.local.stat().st_mtime_ns == stamp
    assert "synthetic-" in first.local.name
    assert FIRST.isoformat() in first.local.name
    other = build_synthetic(seed=1, models=4000)
    assert Archive(other, cache_dir=tmp_path).cache_name(FIRST) != first.local.name

    private = Archive(small)
    local = private.weekly(FIRST).local
    assert local is not None
    assert local.exists()
    private.close()
    assert not local.exists()


def test_redirects_to_a_cdn_as_huggingface_co_does(small: Catalogue) -> None:
    """`archive_redirects`: a Parquet file's resolve URL answers 302 to a CDN-like URL, with the headers
    huggingface_hub reads there; the CDN answers ranges; the client libraries follow."""
    import httpx2
    from huggingface_hub import HfFileSystem

    with HubEmulator(small, archive_redirects=True) as emu:
        archive = emu.archive
        assert archive is not None
        f = archive.weekly(RECENT)
        head = httpx2.head(emu.url + _resolve(RECENT))  # httpx2 follows no redirect unless asked
        assert head.status_code == 302
        location = head.headers["Location"]
        assert location.startswith(f"{emu.url}/_cdn/")
        assert head.headers["X-Linked-Etag"] == f.etag
        assert head.headers["X-Linked-Size"] == str(f.size)
        assert head.headers["X-Repo-Commit"] == archive.commit
        tail = httpx2.get(location, headers={"Range": "bytes=-8"})
        assert tail.status_code == 206
        assert tail.content.endswith(b"PAR1")
        readme = httpx2.head(f"{emu.url}/datasets/{REPO_ID}/resolve/main/README.md")
        assert readme.status_code == 200  # a small file that is not in LFS is served directly
        local = _download(emu, f"models/{RECENT}/models.parquet")
        assert hashlib.sha256(local.read_bytes()).hexdigest() == f.sha256
        fs = HfFileSystem(endpoint=emu.url, token=False, skip_instance_cache=True)
        with fs.open(f"datasets/{REPO_ID}/models/{RECENT}/models.parquet", "rb", cache_type="none") as handle:
            ids = pq.ParquetFile(handle).read(columns=["id"]).column("id").to_pylist()
        assert ids == [small.id_at(i, label_time(RECENT)) for i in small.iter_listed(label_time(RECENT))]

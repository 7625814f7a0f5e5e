"""The archive as a dataset repository: its files (written on first need, cached), its tree and pages, and
its info, as the Hub's API shows them (see the package's docstring).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from tracker.emulator.archive.files import RepoFile, lfs_file, sha256_of, small_file
from tracker.emulator.archive.parquet import ROW_GROUP_ROWS, rewrite_parquet, write_parquet
from tracker.emulator.archive.schema import SCHEMA_VERSION, label_time, labels_for
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import iso

REPO_ID = "hfmlsoc/hub_weekly_snapshots"
REVISION = "main"
TREE_PAGE = 1000  # entries per tree page, as on the Hub (50 with expand)
TREE_PAGE_EXPANDED = 50
SAME_FILE = "same file"  # a repeated week: the same bytes as the week it repeats
REWRITTEN = "rewritten"  # the same rows in another order, another compression and other row groups


def fingerprint(cat: Catalogue) -> str:
    """A short digest naming this catalogue's content (name, size, clock, a sample of `_id`s): another
    seed or size gives another fingerprint, so cached files never mix catalogues."""
    h = hashlib.sha1(f"{cat.name}|{len(cat)}|{cat.default_now}".encode(), usedforsecurity=False)
    n = len(cat)
    for k in range(33 if n else 0):
        h.update(cat.models[min(n - 1, k * n // 32)].oid.encode())
    return h.hexdigest()[:12]


_README = """---
license: odbl
pretty_name: Hugging Face Hub weekly snapshots
size_categories:
- 1M<n<10M
configs:
- config_name: models
  data_files:
  - split: train
    path: models/*/models.parquet
---

# Hub weekly snapshots

One Parquet file a week of every public model of the Hugging Face Hub (`models/<YYYY-MM-DD>/models.parquet`),
copied from the daily dumps of hub-stats. Columns vary over time: read each file's own schema.

This dataset is made available under the Open Database License (ODbL-1.0): you may share and adapt it,
provided that you attribute it and share any adapted database under the same licence.
"""
_GITATTRIBUTES = (
    "*.parquet filter=lfs diff=lfs merge=lfs -text\n*.arrow filter=lfs diff=lfs merge=lfs -text\n"
)


class Archive:
    """The weekly archive of one catalogue: a dataset repository with one Parquet file per label."""

    def __init__(
        self,
        catalogue: Catalogue,
        labels: Sequence[date] | None = None,
        *,
        repo_id: str = REPO_ID,
        cache_dir: str | Path | None = None,
        row_group: int = ROW_GROUP_ROWS,
        tree_page: int = TREE_PAGE,
        workers: int | None = None,
        repeats: Mapping[date, tuple[date, str]] | None = None,
    ) -> None:
        """`labels`: the weekly files (default `labels_for(catalogue)`); `cache_dir`: where files are kept
        across runs (default a private temporary directory, removed by `close`); `tree_page`: entries per
        tree page (the Hub's 1,000; smaller in tests of pagination); `workers`: processes writing a large
        file (default: the CPUs, up to 4). `repeats`: weeks without a new upstream dump, as the real
        archive has them: label -> (the earlier label whose data its file repeats, `SAME_FILE` or
        `REWRITTEN`); both labels are in `labels`."""
        self.catalogue = catalogue
        self.labels = tuple(sorted(labels if labels is not None else labels_for(catalogue)))
        self.repeats = dict(repeats or {})
        for label, (source, how) in self.repeats.items():
            if label not in self.labels or source not in self.labels or source >= label:
                raise ValueError(f"a repeat needs two labels of the archive, the earlier repeated: {label}")
            if how not in (SAME_FILE, REWRITTEN) or source in self.repeats:
                raise ValueError(f"{label}: repeat {how!r} of {source} (a week of new data) is not known")
        self.repo_id = repo_id
        self.revision = REVISION
        seed = f"{repo_id}@{catalogue.name}".encode()
        self.commit = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
        self.row_group = row_group
        self.tree_page = tree_page
        self.workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._private_dir: Path | None = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()
        self._label_locks = {label: threading.Lock() for label in self.labels}
        self._files: dict[date, RepoFile] = {}
        self._by_path = {self.file_path(label): label for label in self.labels}
        self._small = {
            f.path: f
            for f in (
                small_file(".gitattributes", _GITATTRIBUTES.encode()),
                small_file("README.md", _README.encode()),
            )
        }

    # --- what it holds ------------------------------------------------------------------------------

    @staticmethod
    def file_path(label: date) -> str:
        return f"models/{label.isoformat()}/models.parquet"

    def label_of(self, path: str) -> date | None:
        """The label whose file this is, else None."""
        return self._by_path.get(path)

    def data_label(self, label: date) -> date:
        """The label whose data the file of `label` holds: its own, or the week it repeats."""
        return self.repeats[label][0] if label in self.repeats else label

    def has_revision(self, revision: str) -> bool:
        return revision in (self.revision, self.commit)

    def generated(self) -> dict[str, int]:
        """Path -> size of every weekly file written so far."""
        with self._lock:
            return {f.path: f.size for f in self._files.values()}

    @property
    def last_modified(self) -> int:
        """The time of the repository's last commit: the last label's (epoch s)."""
        return label_time(self.labels[-1]) if self.labels else self.catalogue.default_now

    # --- files ------------------------------------------------------------------------------------------

    def file(self, path: str) -> RepoFile | None:
        """The file at `path` (a weekly file is written first if it is not yet), else None."""
        if path in self._small:
            return self._small[path]
        label = self.label_of(path)
        return self.weekly(label) if label is not None else None

    def weekly(self, label: date) -> RepoFile:
        """The file of `label`, written on first need (once, whatever the threads asking)."""
        found = self._files.get(label)
        if found is not None:
            return found
        with self._label_locks[label]:
            found = self._files.get(label)
            if found is None:
                found = self._materialise(label)
                with self._lock:
                    self._files[label] = found
        return found

    def _directory(self) -> Path:
        with self._lock:
            if self._cache_dir is not None:
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                return self._cache_dir
            if self._private_dir is None:
                self._private_dir = Path(tempfile.mkdtemp(prefix="hub-archive-"))
            return self._private_dir

    def cache_name(self, label: date) -> str:
        """The cached file's name: catalogue name and fingerprint, label, schema version."""
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.catalogue)
        repeat = f"-repeats-{self.repeats[label][0].isoformat()}" if label in self.repeats else ""
        name = f"{self.catalogue.name}-{self._fingerprint}-{label.isoformat()}{repeat}"
        return f"{name}-v{SCHEMA_VERSION}.parquet"

    def _materialise(self, label: date) -> RepoFile:
        """Write the file of `label` (or find it in the cache) and hash it; a repeat of another week is
        that week's file (`SAME_FILE`), or its rows written again (`REWRITTEN`)."""
        if label in self.repeats and self.repeats[label][1] == SAME_FILE:
            source = self.weekly(self.repeats[label][0])
            assert source.local is not None
            assert source.sha256 is not None
            return lfs_file(self.file_path(label), source.local, source.size, source.sha256)
        directory = self._directory()
        local = directory / self.cache_name(label)
        meta = local.with_suffix(".json")
        if local.exists() and meta.exists():
            known = json.loads(meta.read_text())
            if known.get("size") == local.stat().st_size:
                return lfs_file(self.file_path(label), local, known["size"], known["sha256"])
        partial = local.with_suffix(f".{os.getpid()}.{threading.get_ident()}.partial")
        try:
            if label in self.repeats:
                source = self.weekly(self.repeats[label][0])
                assert source.local is not None
                rewrite_parquet(source.local, partial, seed=label.toordinal(), row_group=self.row_group)
            else:
                write_parquet(self.catalogue, label, partial, row_group=self.row_group, workers=self.workers)
            os.replace(partial, local)
        finally:
            partial.unlink(missing_ok=True)
        size, sha256 = local.stat().st_size, sha256_of(local)
        meta.write_text(json.dumps({"size": size, "sha256": sha256}))
        return lfs_file(self.file_path(label), local, size, sha256)

    def close(self) -> None:
        """Forget the files written and remove the private directory (a caller's cache stays)."""
        with self._lock:
            self._files.clear()
            private, self._private_dir = self._private_dir, None
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the repository as the Hub's API shows it -----------------------------------------------------------

    def _paths(self) -> list[tuple[str, str]]:
        """(path, kind) of every entry, in the Hub's order: directories first, then files, by name."""
        out: list[tuple[str, str]] = [
            ("models", "directory"),
            (".gitattributes", "file"),
            ("README.md", "file"),
        ]
        for label in self.labels:
            out += [(f"models/{label.isoformat()}", "directory"), (self.file_path(label), "file")]
        return out

    def entry(self, path: str, kind: str, *, expand: bool = False) -> dict[str, Any]:
        """One tree entry (a weekly file is written first, since its size and oid are its bytes')."""
        if kind == "directory":
            oid = hashlib.sha1(f"tree {self.commit} {path}".encode(), usedforsecurity=False).hexdigest()
            out: dict[str, Any] = {"type": "directory", "oid": oid, "size": 0, "path": path}
        else:
            f = self.file(path)
            assert f is not None
            out = {"type": "file", "oid": f.blob_oid, "size": f.size, "path": path}
            if f.sha256 is not None:
                out["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": len(f.pointer)}
        if expand:
            label = self.label_of(path)
            when = label_time(label) if label else self.last_modified
            out["lastCommit"] = {"id": self.commit, "title": f"Upload {path}", "date": iso(when)}
        return out

    def kind_of(self, path: str) -> str | None:
        """`directory`, `file` or None (no such path); the root is a directory."""
        if path == "":
            return "directory"
        for p, kind in self._paths():
            if p == path:
                return kind
        return None

    def tree(self, path: str, *, recursive: bool = False) -> list[tuple[str, str]] | None:
        """(path, kind) of the entries under the directory `path` ("" for the root), None if it is not one.

        Not recursive: its direct children, directories first; recursive: every entry below it, each
        directory followed by its content."""
        if self.kind_of(path) != "directory":
            return None
        prefix = f"{path}/" if path else ""
        below = [(p, k) for p, k in self._paths() if p.startswith(prefix)]
        if not recursive:
            below = [(p, k) for p, k in below if "/" not in p[len(prefix) :]]
            return sorted(below, key=lambda e: (e[1] != "directory", e[0]))
        return sorted(below, key=lambda e: e[0].split("/"))

    def page(
        self, path: str, *, recursive: bool, expand: bool, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None] | None:
        """One page of the tree under `path` and the cursor of the next (None: the last); None if `path`
        is not a directory. A bad cursor is a ValueError."""
        entries = self.tree(path, recursive=recursive)
        if entries is None:
            return None
        start = 0
        if cursor:
            after = decode_tree_cursor(cursor)
            paths = [p for p, _ in entries]
            if after not in paths:
                raise ValueError("Invalid cursor")
            start = paths.index(after) + 1
        size = TREE_PAGE_EXPANDED if expand else self.tree_page
        chunk = entries[start : start + size]
        items = [self.entry(p, k, expand=expand) for p, k in chunk]
        more = start + size < len(entries)
        return items, encode_tree_cursor(chunk[-1][0]) if more and chunk else None

    def all_files(self) -> list[str]:
        """Every file's path, in tree order."""
        return [p for p, k in self._paths() if k == "file"]

    def dataset_info(self) -> dict[str, Any]:
        """The repository as `GET /api/datasets/{repo}` shows it."""
        author = self.repo_id.split("/")[0]
        first = label_time(self.labels[0]) if self.labels else self.last_modified
        return {
            "_id": hashlib.sha1(self.repo_id.encode(), usedforsecurity=False).hexdigest()[:24],
            "id": self.repo_id,
            "author": author,
            "sha": self.commit,
            "lastModified": iso(self.last_modified),
            "private": False,
            "gated": False,
            "disabled": False,
            "downloads": 4812,
            "likes": 37,
            "tags": [
                "license:odbl",
                "size_categories:1M<n<10M",
                "format:parquet",
                "modality:tabular",
                "library:datasets",
                "library:pandas",
                "region:us",
            ],
            "cardData": {
                "license": "odbl",
                "pretty_name": "Hugging Face Hub weekly snapshots",
                "configs": [
                    {
                        "config_name": "models",
                        "data_files": [{"split": "train", "path": "models/*/models.parquet"}],
                    }
                ],
            },
            "siblings": [{"rfilename": p} for p in self.all_files()],
            "createdAt": iso(first),
        }


def encode_tree_cursor(last_path: str) -> str:
    """The cursor of the page after `last_path` (base64 of `{"file_name": ...}`, as the Hub's look)."""
    return base64.urlsafe_b64encode(json.dumps({"file_name": last_path}).encode()).decode().rstrip("=")


def decode_tree_cursor(cursor: str) -> str:
    """The last path of the previous page; ValueError for a cursor this emulator did not give."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(data["file_name"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ValueError("Invalid cursor") from None

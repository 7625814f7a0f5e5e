"""Files of the archive's repository as the Hub describes them: sizes, git blob ids, LFS pointers, ETags."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"


def git_blob_oid(content: bytes) -> str:
    """The git blob id of `content`, as git computes it: sha1 of `blob <len>\\0<content>`."""
    header = f"blob {len(content)}\0".encode()
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class RepoFile:
    """One file of the archive's repository.

    Fields:
        path: its path in the repository (`models/2025-03-19/models.parquet`).
        size: its size in bytes.
        blob_oid: the git blob id (of the LFS pointer for an LFS file): the tree's `oid`.
        sha256: the LFS object id (hex sha256 of the content), None for a small, non-LFS file.
        local: where its bytes are on disk (LFS files), else None.
        content: its bytes (small files), else None.
    """

    path: str
    size: int
    blob_oid: str
    sha256: str | None = None
    local: Path | None = None
    content: bytes | None = None

    @property
    def pointer(self) -> bytes:
        """The LFS pointer text git stores for this file."""
        return LFS_POINTER.format(sha256=self.sha256, size=self.size).encode()

    @property
    def etag(self) -> str:
        """The ETag the Hub sends: the quoted sha256 for an LFS file, the quoted blob id otherwise."""
        return f'"{self.sha256 or self.blob_oid}"'


def lfs_file(path: str, local: Path, size: int, sha256: str) -> RepoFile:
    """A repository file stored in LFS: its tree oid is the blob id of its pointer."""
    pointer = LFS_POINTER.format(sha256=sha256, size=size).encode()
    return RepoFile(path, size, git_blob_oid(pointer), sha256, local)


def small_file(path: str, content: bytes) -> RepoFile:
    return RepoFile(path, len(content), git_blob_oid(content), content=content)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

"""Where the Hub's public weekly archive of itself lives: a dataset repo on a Hub, or a local folder.

`hfmlsoc/hub_weekly_snapshots` holds `models/<YYYY-MM-DD>/models.parquet`, one file a week from
2024-07-24, each a copy of the whole Hub's model listing dumped within the 7 days after its date
(licence ODbL-1.0). An `ArchiveSource` lists the dated files and opens one for reading by byte ranges:

- `HubArchive`: through huggingface_hub, on any endpoint: `HfApi.dataset_info` pins the revision (the
  commit every file of this backfill is read at), `HfApi.list_repo_tree` lists the dates, and
  `HfFileSystem` opens a file as a seekable object whose reads are HTTP `Range` requests of its resolve
  URL, so pyarrow fetches the footer and the column chunks it needs, never the whole file. huggingface_hub's
  session sends the token to the endpoint's origin alone (`tracker.collect.origins.guard_hub_session`).
- `LocalArchive`: a folder of the same layout (`--from PATH`).

Both count the bytes they read (`CountingFile`), for the progress line and the run's record, and give a
file's content hash (`content_hash`: the Hub's LFS object id, the sha256 of the bytes, for nothing read;
a local file's computed), the first test of whether it repeats an earlier week.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, Protocol

from tracker.collect.origins import InsecureRequest, guard_hub_session
from tracker.core.archive_names import ARCHIVE_REPO
from tracker.core.errors import one_line

logger = logging.getLogger("tracker.archive")  # kept: operators filter on it

FIRST_DATE = date(2024, 7, 24)  # the archive's first file
FILE_NAME = "models.parquet"
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HASH = re.compile(r"^[0-9a-f]{16,128}$")  # what a hash the Hub gives may look like (hexadecimal)


class ArchiveError(Exception):
    """The archive cannot be read as asked (unknown repo, missing folder, unreachable Hub): one line."""


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """One dated file of the archive: its date and its path inside the repo or folder."""

    day: date
    path: str  # e.g. models/2025-03-19/models.parquet


class ArchiveSource(Protocol):
    """A place holding the archive's dated files."""

    def files(self) -> list[ArchiveFile]:
        """Every dated file, oldest first."""
        ...

    def open(self, file: ArchiveFile) -> CountingFile:
        """The file, opened for reading by ranges; FileNotFoundError or ArchiveError when it cannot be."""
        ...

    def source(self, file: ArchiveFile) -> str:
        """What a run read from this file records as its `source`: `repo@revision:path`."""
        ...

    def content_hash(self, file: ArchiveFile) -> str | None:
        """The file's bytes' hash (`sha256:<hex>`, else `xet:` or `git:`), None when it cannot be had."""
        ...


def hash_text(kind: str, value: object) -> str | None:
    """A hash as stored, `kind:<hex>`, when `value` is one (the Hub's text is checked at the door)."""
    if not isinstance(value, str) or not _HASH.match(value.lower()):
        return None
    return f"{kind}:{value.lower()}"


def _dated(names: Iterator[tuple[str, str]]) -> list[ArchiveFile]:
    """Archive files from (folder name, folder path) pairs: the folders named by a valid date."""
    found = []
    for name, folder in names:
        if not _DATE_DIR.match(name):
            continue
        try:
            day = date.fromisoformat(name)
        except ValueError:
            logger.warning("archive: skipping folder %s (not a date)", folder)
            continue
        found.append(ArchiveFile(day, f"{folder}/{FILE_NAME}"))
    return sorted(found, key=lambda f: f.day)


class CountingFile(io.RawIOBase):
    """A read-only seekable file that counts the bytes read through it (what crossed the network)."""

    def __init__(self, raw: BinaryIO, size: int) -> None:
        super().__init__()
        self._raw = raw
        self.size = size
        self.bytes_read = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.bytes_read += len(data)
        self.reads += 1
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class LocalArchive:
    """A local folder of the archive's layout: `PATH/models/<YYYY-MM-DD>/models.parquet`."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        models = self.folder / "models"
        if not self.folder.is_dir():
            raise ArchiveError(f"--from {folder}: no such folder")
        if not models.is_dir() or not self.files():
            raise ArchiveError(
                f"--from {folder}: not an archive folder (no models/<YYYY-MM-DD>/{FILE_NAME} in it)"
            )

    def files(self) -> list[ArchiveFile]:
        models = self.folder / "models"
        dirs = (p for p in sorted(models.iterdir()) if p.is_dir()) if models.is_dir() else iter(())
        return _dated((p.name, f"models/{p.name}") for p in dirs)

    def open(self, file: ArchiveFile) -> CountingFile:
        path = self.folder / file.path
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        return CountingFile(path.open("rb"), path.stat().st_size)

    def source(self, file: ArchiveFile) -> str:
        return f"{self.folder.resolve()}@local:{file.path}"

    def content_hash(self, file: ArchiveFile) -> str | None:
        """The sha256 of the file's bytes (what the Hub gives as its LFS object id), read through once."""
        try:
            with (self.folder / file.path).open("rb") as f:
                return hash_text("sha256", hashlib.file_digest(f, "sha256").hexdigest())
        except OSError:
            return None


class HubArchive:
    """The archive as a dataset repo on a Hub, pinned to the revision it has when first asked."""

    def __init__(self, endpoint: str, repo: str = ARCHIVE_REPO, *, token: str | None = None) -> None:
        from huggingface_hub import HfApi

        self.endpoint, self.repo, self._token = endpoint.rstrip("/"), repo, token or False
        guard_hub_session(self.endpoint)  # the token to this endpoint alone, never from https to http
        self._api = HfApi(endpoint=self.endpoint, token=self._token, library_name="llama-adoption-tracker")
        self._fs = None
        self.revision = self._pin()

    def _pin(self) -> str:
        """The repo's current commit: every file of this backfill is read at it."""
        from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

        try:
            info = self._api.dataset_info(self.repo, timeout=30)
        except RepositoryNotFoundError:
            raise ArchiveError(f"archive {self.repo}: no such dataset repo on {self.endpoint}") from None
        except (HfHubHTTPError, InsecureRequest) as exc:
            raise ArchiveError(f"archive {self.repo}: {error_line(exc)}") from None
        except Exception as exc:
            if not unreadable(exc):
                raise
            reason = f"cannot reach {self.endpoint} ({error_line(exc)})"
            raise ArchiveError(f"archive {self.repo}: {reason}") from None
        if not info.sha:
            raise ArchiveError(f"archive {self.repo}: the Hub gave no revision for it")
        return info.sha

    def files(self) -> list[ArchiveFile]:
        from huggingface_hub import RepoFolder
        from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError

        try:
            entries = list(
                self._api.list_repo_tree(
                    self.repo, path_in_repo="models", repo_type="dataset", revision=self.revision
                )
            )
        except EntryNotFoundError:
            raise ArchiveError(f"archive {self.repo}: no models/ folder in it") from None
        except (HfHubHTTPError, InsecureRequest) as exc:
            raise ArchiveError(f"archive {self.repo}: {error_line(exc)}") from None
        folders = ((e.path.rsplit("/", 1)[-1], e.path) for e in entries if isinstance(e, RepoFolder))
        return _dated(iter(folders))

    def open(self, file: ArchiveFile) -> CountingFile:
        from huggingface_hub import HfFileSystem

        if self._fs is None:
            # skip_instance_cache: a fresh listing cache for each backfill (fsspec caches instances).
            self._fs = HfFileSystem(endpoint=self.endpoint, token=self._token, skip_instance_cache=True)
        url = f"datasets/{self.repo}@{self.revision}/{file.path}"
        # cache_type "none": each read is one Range request of exactly the bytes pyarrow asks for.
        raw = self._fs.open(url, "rb", cache_type="none")
        return CountingFile(raw, raw.size)

    def source(self, file: ArchiveFile) -> str:
        return f"{self.repo}@{self.revision}:{file.path}"

    def content_hash(self, file: ArchiveFile) -> str | None:
        """The hash the Hub gives for the file at the pinned revision (one `paths-info` request): its LFS
        object id (the sha256 of its bytes), else its Xet hash, else its git blob id."""
        try:
            (entry,) = self._api.get_paths_info(
                self.repo, [file.path], repo_type="dataset", revision=self.revision
            )
        except Exception as exc:
            if not unreadable(exc) and not isinstance(exc, ValueError):
                raise
            logger.info("%s: the Hub gives no hash for it (%s)", file.day, error_line(exc))
            return None
        lfs = getattr(entry, "lfs", None)
        return (
            hash_text("sha256", getattr(lfs, "sha256", None))
            or hash_text("xet", getattr(entry, "xet_hash", None))
            or hash_text("git", getattr(entry, "blob_id", None))
        )


def error_line(exc: BaseException) -> str:
    """An error as one line of at most 400 characters, for a run's `error` and the log."""
    return one_line(exc, limit=400).rstrip(".") or type(exc).__name__


def unreadable(exc: BaseException) -> bool:
    """Whether an error says the archive could not be read (a missing or malformed file, the Hub or the
    network failing), rather than a fault of ours or a stop: those fail one date, not the backfill."""
    if isinstance(exc, ArchiveError | OSError | InsecureRequest):  # OSError: FileNotFoundError, refused
        return True
    return type(exc).__module__.startswith(("huggingface_hub", "httpx", "httpcore", "fsspec"))

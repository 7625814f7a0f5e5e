"""Reading a settings file (the ecosystems file, the organisations file, alert rules): one clear reason for
each way it fails."""

from __future__ import annotations

from pathlib import Path


class FileProblem(Exception):
    """Why a settings file cannot be read: `source` (its name) and `problem` (a phrase), for the caller to
    word as its own error."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source, self.problem = source, problem


def read_bytes(path: str | Path, *, limit: int | None = None) -> tuple[bytes, str]:
    """The file's bytes and its name for errors; past `limit` bytes (when given) the file is refused, having
    read no more than one byte beyond it (a mistaken path to a device or a dump never fills the memory)."""
    file = Path(path)
    source = str(file)
    if file.is_dir():
        raise FileProblem(source, "is a directory, not a file")
    try:
        if limit is None:
            return file.read_bytes(), source
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise FileProblem(source, f"larger than {limit:,} bytes")
        return data, source
    except FileNotFoundError:
        raise FileProblem(source, "file not found") from None
    except OSError as exc:
        raise FileProblem(source, f"cannot read ({exc.strerror or exc})") from None


def decode(data: bytes, source: str) -> str:
    """UTF-8 text; utf-8-sig tolerates the byte-order mark some Windows editors add."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(source, f"not valid UTF-8 (byte {exc.start})") from None


def read_text(path: str | Path) -> tuple[str, str]:
    """The file's text and its name for errors."""
    data, source = read_bytes(path)
    return decode(data, source), source

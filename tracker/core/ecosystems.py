"""Parse and validate the ecosystems file: which root repositories define each model ecosystem."""

from __future__ import annotations

import fnmatch
import importlib.resources
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.core import files
from tracker.core.errors import one_line, unknown_name
from tracker.core.hub_ids import is_namespace, is_repo_id

__all__ = [
    "OTHER_FAMILY",
    "Ecosystem",
    "EcosystemsError",
    "Family",
    "default_ecosystems_path",
    "family_of_root",
    "load_ecosystems",
    "parse_ecosystems",
    "select_ecosystems",
]

# Family given to roots found through `authors` that match no family; reserved in the file.
OTHER_FAMILY = "Other"

_ECOSYSTEM_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")

_TOP_KEYS = ("ecosystem",)
_ECOSYSTEM_KEYS = ("name", "label", "enabled", "authors", "family")
_FAMILY_KEYS = ("name", "roots", "patterns")


@dataclass(frozen=True)
class Family:
    """A named group of root models inside an ecosystem.

    Fields:
        name: display name of the family, e.g. "Llama 3.1" (unique within its ecosystem, never "Other").
        roots: model ids ("namespace/name") that are roots of this family, in file order.
        patterns: case-insensitive glob patterns on model ids (e.g. "meta-llama/Llama-3.1-*") that give
            this family to roots discovered through the ecosystem's `authors`.
    """

    name: str
    roots: tuple[str, ...]
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ecosystem:
    """One model ecosystem as declared in the ecosystems file.

    Fields:
        name: key used on the command line and in exports, e.g. "llama" (matches [a-z0-9][a-z0-9_-]*).
        label: human-readable name, e.g. "Meta Llama" (defaults to `name`).
        enabled: whether the ecosystem is tracked when no ecosystem is named explicitly.
        authors: Hub authors (users or organisations) every model of which is a root too.
        families: the families, in file order (order breaks ties: the family listed first wins).
    """

    name: str
    label: str
    enabled: bool
    authors: tuple[str, ...]
    families: tuple[Family, ...]

    @property
    def root_ids(self) -> tuple[str, ...]:
        """All declared root ids in file order, without (case-insensitive) duplicates."""
        seen: set[str] = set()
        out: list[str] = []
        for family in self.families:
            for root in family.roots:
                key = root.lower()
                if key not in seen:
                    seen.add(key)
                    out.append(root)
        return tuple(out)


class EcosystemsError(ValueError):
    """A problem with the ecosystems file or the ecosystem selection, in a one-line message."""

    def __init__(self, message: str) -> None:
        # Messages end up in logs and CLI output, which expect exactly one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


def _fail(source: str, where: str, problem: str) -> EcosystemsError:
    """Build the error for a problem at `where` (may be empty) in the file `source`."""
    prefix = f"ecosystems file {source}: "
    return EcosystemsError(prefix + (f"{where}: {problem}" if where else problem))


def _check_keys(table: dict[str, Any], allowed: Sequence[str], source: str, where: str) -> None:
    """Reject keys not in `allowed`, which are almost always typos."""
    for key in table:
        if key not in allowed:
            raise _fail(source, where, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _string_list(value: Any, source: str, where: str, key: str, what: str) -> list[str]:
    """Return `value` as a list of strings, or fail with a message describing `what` it must hold."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(source, where, f"'{key}' must be a list of {what}")
    return value


def _is_model_id(value: str) -> bool:
    """Whether `value` looks like a Hub model id 'namespace/name'."""
    return is_repo_id(value)


def _parse_family(raw: Any, index: int, eco_where: str, source: str, seen_roots: dict[str, str]) -> Family:
    """Validate one [[ecosystem.family]] table; `seen_roots` maps lower-cased roots to their family."""
    if not isinstance(raw, dict):
        raise _fail(source, eco_where, "'family' must be an array of tables ([[ecosystem.family]])")
    name = raw.get("name")
    if name is None:
        raise _fail(source, f"{eco_where} family #{index}", "missing 'name'")
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise _fail(
            source,
            f"{eco_where} family #{index}",
            "'name' must be a non-empty string without leading or trailing spaces",
        )
    where = f"{eco_where} family '{name}'"
    if name.lower() == OTHER_FAMILY.lower():
        raise _fail(source, where, f"'{OTHER_FAMILY}' is reserved for roots that match no family")
    _check_keys(raw, _FAMILY_KEYS, source, where)

    patterns = _string_list(raw.get("patterns", []), source, where, "patterns", "non-empty strings")
    if any(not p.strip() for p in patterns):
        raise _fail(source, where, "'patterns' must be a list of non-empty strings")

    if "roots" not in raw and not patterns:
        raise _fail(source, where, "missing 'roots' (needs at least one root unless 'patterns' is given)")
    roots = _string_list(raw.get("roots", []), source, where, "roots", "model ids like 'org/name'")
    for root in roots:
        if not _is_model_id(root):
            raise _fail(source, where, f"'roots' must be a list of model ids like 'org/name', got '{root}'")
        key = root.lower()
        if key in seen_roots:
            # Hub ids are case-insensitive, so 'A/b' and 'a/B' are the same repository.
            raise _fail(source, where, f"root '{root}' is listed twice (also in family '{seen_roots[key]}')")
        seen_roots[key] = name
    if not roots and not patterns:
        raise _fail(source, where, "'roots' is empty (needs at least one root unless 'patterns' is given)")
    return Family(name=name, roots=tuple(roots), patterns=tuple(patterns))


def _parse_ecosystem(raw: Any, index: int, source: str, seen_names: set[str]) -> Ecosystem:
    """Validate one [[ecosystem]] table."""
    if not isinstance(raw, dict):
        raise _fail(source, "", "'ecosystem' must be an array of tables ([[ecosystem]])")
    name = raw.get("name")
    if name is None:
        raise _fail(source, f"ecosystem #{index}", "missing 'name'")
    if not isinstance(name, str) or not _ECOSYSTEM_NAME_RE.fullmatch(name):
        raise _fail(
            source,
            f"ecosystem #{index}",
            f"'name' must be a string of lower-case letters, digits, '_' and '-' (got {name!r})",
        )
    where = f"ecosystem '{name}'"
    if name in seen_names:
        raise _fail(source, where, "ecosystem name is used twice")
    seen_names.add(name)
    _check_keys(raw, _ECOSYSTEM_KEYS, source, where)

    label = raw.get("label", name)
    if not isinstance(label, str) or not label.strip():
        raise _fail(source, where, "'label' must be a non-empty string")

    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(source, where, "'enabled' must be true or false")

    authors = _string_list(raw.get("authors", []), source, where, "authors", "Hub user or organisation names")
    seen_authors: set[str] = set()
    for author in authors:
        if not is_namespace(author):
            raise _fail(
                source, where, f"'authors' must be a list of Hub user or organisation names, got '{author}'"
            )
        if author.lower() in seen_authors:
            raise _fail(source, where, f"author '{author}' is listed twice")
        seen_authors.add(author.lower())

    raw_families = raw.get("family", [])
    if not isinstance(raw_families, list):
        raise _fail(source, where, "'family' must be an array of tables ([[ecosystem.family]])")
    if not raw_families and not authors:
        raise _fail(source, where, "needs at least one [[ecosystem.family]] (or a non-empty 'authors')")
    families: list[Family] = []
    seen_roots: dict[str, str] = {}
    seen_families: set[str] = set()
    for fam_index, raw_family in enumerate(raw_families, start=1):
        family = _parse_family(raw_family, fam_index, where, source, seen_roots)
        # Case-insensitive: two families differing only in case would be confusing in exports.
        if family.name.lower() in seen_families:
            raise _fail(source, f"{where} family '{family.name}'", "family name is used twice")
        seen_families.add(family.name.lower())
        families.append(family)
    return Ecosystem(
        name=name, label=label, enabled=enabled, authors=tuple(authors), families=tuple(families)
    )


def parse_ecosystems(text: str, *, source: str = "<string>") -> tuple[Ecosystem, ...]:
    """Parse and strictly validate the text of an ecosystems file; `source` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, "", "invalid TOML: " + one_line(exc)) from None
    _check_keys(data, _TOP_KEYS, source, "")
    raw_ecosystems = data.get("ecosystem")
    if raw_ecosystems is None:
        raise _fail(source, "", "no [[ecosystem]] table found")
    if not isinstance(raw_ecosystems, list):
        raise _fail(source, "", "'ecosystem' must be an array of tables ([[ecosystem]])")
    if not raw_ecosystems:
        raise _fail(source, "", "no [[ecosystem]] table found")
    seen_names: set[str] = set()
    return tuple(
        _parse_ecosystem(raw, index, source, seen_names) for index, raw in enumerate(raw_ecosystems, start=1)
    )


def default_ecosystems_path() -> Path:
    """Path of the ecosystems file shipped with the package (tracker/data/ecosystems.toml)."""
    return Path(str(importlib.resources.files("tracker") / "data" / "ecosystems.toml"))


def load_ecosystems(path: str | Path | None = None) -> tuple[Ecosystem, ...]:
    """Read and parse an ecosystems file; None loads the shipped default."""
    if path is None:
        resource = importlib.resources.files("tracker") / "data" / "ecosystems.toml"
        source = str(resource)
        try:
            # Read through importlib.resources so the default also works from a zipped install.
            data = resource.read_bytes()
        except OSError as exc:
            raise _fail(source, "", f"cannot read the shipped file ({exc.strerror or exc})") from None
    try:
        if path is not None:
            data, source = files.read_bytes(path)
        text = files.decode(data, source)
    except files.FileProblem as exc:
        raise _fail(exc.source, "", exc.problem) from None
    return parse_ecosystems(text, source=source)


def labels_of(ecosystems: Sequence[Ecosystem]) -> dict[str, str]:
    """Each ecosystem's label by name ("Meta Llama" for `llama`): how a reader sees it named."""
    return {eco.name: eco.label for eco in ecosystems}


def select_ecosystems(ecosystems: Sequence[Ecosystem], names: Sequence[str] | None) -> tuple[Ecosystem, ...]:
    """The named ecosystems in the order given (enabled or not), or the enabled ones when none named."""
    if not names:
        enabled = tuple(eco for eco in ecosystems if eco.enabled)
        if not enabled:
            known = ", ".join(eco.name for eco in ecosystems) or "none"
            raise EcosystemsError(f"no ecosystem is enabled; name one explicitly (known: {known})")
        return enabled
    by_name = {eco.name: eco for eco in ecosystems}
    chosen: list[Ecosystem] = []
    chosen_names: set[str] = set()
    for name in names:
        # Ecosystem names are lower-case by rule, so matching case-insensitively is unambiguous.
        eco = by_name.get(name.strip().lower())
        if eco is None:
            raise EcosystemsError(unknown_name("ecosystem", name, (known.name for known in ecosystems)))
        if eco.name not in chosen_names:
            chosen_names.add(eco.name)
            chosen.append(eco)
    return tuple(chosen)


def family_of_root(ecosystem: Ecosystem, model_id: str) -> str:
    """Family of a root: first family listing it, else first whose pattern matches, else "Other"."""
    key = model_id.lower()
    for family in ecosystem.families:
        if any(root.lower() == key for root in family.roots):
            return family.name
    for family in ecosystem.families:
        # fnmatchcase on lower-cased strings: fnmatch.fnmatch's case handling depends on the OS.
        if any(fnmatch.fnmatchcase(key, pattern.lower()) for pattern in family.patterns):
            return family.name
    return OTHER_FAMILY

"""What every page needs: the database, the data's version, the sidebar's filters, and the loaders.

The entry script (`dashboard/app.py`) builds it once per rerun and keeps it in `st.session_state`;
pages read it with `current()`. Every loader is cached on the data's version (`data.data_version`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import data
from tracker.core.events import Event
from tracker.read.metrics import Filters

KEY = "_tracker_context"


@dataclass(frozen=True)
class Context:
    engine: Engine
    url: str
    version: tuple
    ecosystems: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    all_ecosystems: tuple[str, ...] = field(default=())  # every tracked one, Llama first (`palette`)
    labels: Mapping[str, str] = field(default_factory=dict)  # every tracked ecosystem's label
    events: tuple[Event, ...] = ()  # marked on the download charts: shipped, plus TRACKER_EVENTS' file

    @property
    def run_id(self) -> int:
        """The latest complete run (with its roll-ups written)."""
        return self.version[0]

    def filters(self, **overrides: object) -> Filters:
        """The sidebar's filters; overrides replace them (e.g. `ecosystems=()` for every ecosystem)."""
        chosen = replace(self, **overrides)  # type: ignore[arg-type]
        return data.filters(chosen.ecosystems, chosen.families, chosen.relations, chosen.since, chosen.until)

    def label(self, name: str) -> str:
        """How a reader knows an ecosystem: its label in the ecosystems file ("Meta Llama"), else its name."""
        return self.labels.get(name, name)

    def named(self, names: Iterable[str]) -> str:
        """Ecosystems' labels in a sentence: "Meta Llama, Qwen and Mistral"."""
        shown = [self.label(name) for name in names]
        return " and ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)

    @property
    def shown_ecosystems(self) -> tuple[str, ...]:
        """The ecosystems the sidebar shows: those chosen, else every tracked one (Llama first)."""
        return tuple(n for n in self.all_ecosystems if n in self.ecosystems) or self.all_ecosystems

    def series(self, by: str | None = None, *, roots: bool = False, **overrides: object) -> pd.DataFrame:
        """The per-run series within the filters (`overrides` replace some); `roots`: base models too."""
        return data.series(self.engine, self.url, self.version, self.filters(**overrides), by, roots)

    def archived(self) -> tuple[pd.Timestamp, ...]:
        """The instants of the runs backfilled from the weekly archive (the charts mark them)."""
        return tuple(data.archive_runs(self.engine, self.url, self.version)["taken_at"])

    def archive_note(self) -> str:
        """The caption naming the archive, its licence and its runs' span; "" without archive runs."""
        from dashboard.methodology import archive_note

        return archive_note(
            data.archive_runs(self.engine, self.url, self.version),
            data.archive_end(self.engine, self.url, self.version),
        )

    def relative_adoption(self) -> tuple[pd.DataFrame, str]:
        """Every root of every tracked ecosystem at each milestone (the sidebar's filters do not apply), and
        what is wrong with the user's release-dates file ("" when nothing is)."""
        return data.relative_adoption(self.engine, self.url, self.version, data.release_dates_file())

    def providers(self, **overrides: object) -> dict[str, pd.DataFrame]:
        return data.providers(self.engine, self.url, self.version, self.filters(**overrides))

    def builders(self) -> pd.DataFrame:
        return data.builders(self.engine, self.url, self.version, self.filters())

    def movers(self, n: int) -> dict[str, pd.DataFrame]:
        return data.movers(self.engine, self.url, self.version, self.filters(), n)

    def libraries(self, model_ids: Iterable[str]) -> dict[str, str | None]:
        """Each model's `library_name`, as the latest run that saw it recorded it."""
        return data.libraries(self.engine, self.url, self.version, tuple(sorted(set(model_ids))))


def _listed(names: Sequence[str]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def filters_said(
    ecosystems: Sequence[str],
    families: Sequence[str],
    relations: Sequence[str],
    since: date | None,
    until: date | None,
) -> str:
    """The sidebar's choices in a sentence, for the caption under its "Filters" popover: "Showing Meta
    Llama and Qwen; every family; relations finetune and merge; runs 19 Mar 2025 to 02 Jul 2025."."""
    parts = [
        _listed(list(ecosystems)) if ecosystems else "every ecosystem",
        f"famil{'ies' if len(families) > 1 else 'y'} {_listed(list(families))}"
        if families
        else "every family",
        f"relation{'s' if len(relations) > 1 else ''} {_listed(list(relations))}"
        if relations
        else "every relation",
    ]
    if since and until:
        parts.append(f"runs {since:%d %b %Y} to {until:%d %b %Y}")
    elif since:
        parts.append(f"runs from {since:%d %b %Y}")
    return "Showing " + "; ".join(parts) + "."


def current() -> Context:
    return st.session_state[KEY]

"""The dashboard's only doorway to the data: read-only engine, and cached loaders over `tracker.read.metrics`.

Every cached loader takes the latest complete run id as an argument: a new snapshot changes the key,
so it shows on the next rerun without a restart. The engine is read-only (SQLite opened `mode=ro`,
PostgreSQL read-only transactions, and under the documented role SELECT only); the dashboard never
writes and never calls the Hub.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from tracker.core.ecosystems import EcosystemsError, labels_of, load_ecosystems
from tracker.core.events import ENV as EVENTS_ENV
from tracker.core.events import Event, EventsError, load_events, shipped_events
from tracker.core.release_dates import RELEASE_DATES_ENV, ReleaseDatesError, load_release_dates
from tracker.read import access, compare, explorer, history_rows, metrics, origin, queries
from tracker.read import archive_end as archive_end_
from tracker.read.libraries import load_libraries
from tracker.report.export import arrow_schema, table_spec

DEFAULT_DATABASE_URL = "sqlite:///tracker.db"
FIRST_SNAPSHOT = "tracker snapshot"
DEMO = "tracker demo"
MAX_DOWNLOAD_ROWS = 500_000  # beyond this, the Data page points to `tracker export`


def database_url() -> str:
    return os.environ.get("TRACKER_DATABASE_URL") or DEFAULT_DATABASE_URL


ECOSYSTEMS_ENV = "TRACKER_ECOSYSTEMS"


def watched_file(env: str) -> tuple[str | None, int]:
    """The file a command passes on in the environment variable `env` (None: none, the shipped one alone)
    and its modification stamp (0: no file, -1: it cannot be read): what is read from it is cached under
    both, so it is read again when it changes."""
    path = os.environ.get(env) or None
    try:
        stamp = os.stat(path).st_mtime_ns if path else 0
    except OSError:
        stamp = -1
    return path, stamp


def ecosystem_labels() -> dict[str, str]:
    """Each ecosystem's label ("Meta Llama" for `llama`), from the ecosystems file the commands read
    (`TRACKER_ECOSYSTEMS`, else the one shipped with the package); read again when the file changes."""
    return _labels(*watched_file(ECOSYSTEMS_ENV))


@st.cache_data(show_spinner=False, max_entries=4)
def _labels(path: str | None, stamp: int) -> dict[str, str]:
    """{name: label}; empty when the file cannot be read (the page then names ecosystems by their keys,
    and the commands say what is wrong with the file)."""
    try:
        return labels_of(load_ecosystems(path))
    except EcosystemsError:
        return {}


def hub_events() -> tuple[tuple[Event, ...], bool]:
    """The dated events the download charts mark: the shipped ones plus the user's file the commands pass
    on (`TRACKER_EVENTS`), read again when it changes; and whether that file could be read (if not, the
    shipped ones alone: the commands say what is wrong with it)."""
    return _events(*watched_file(EVENTS_ENV))


@st.cache_data(show_spinner=False, max_entries=4)
def _events(path: str | None, stamp: int) -> tuple[tuple[Event, ...], bool]:
    try:
        return load_events(path), True
    except EventsError:
        return shipped_events(), False


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine | None:
    """A read-only engine on the database, or None when there is no database (yet) at that URL."""
    return access.open_read_only(url)


def latest_run(eng: Engine | None) -> int | None:
    """The latest complete run's id with its roll-ups written (not cached: the cache keys derive from it)."""
    version = data_version(eng)
    return None if version is None else version[0]


def data_version(eng: Engine | None) -> tuple[int, str] | None:
    """(latest rolled-up run, latest roll-up write): every cached loader takes it, so a new run, or a
    backfill that rewrites older roll-ups, shows on the next rerun without a restart. None: no run yet."""
    return None if eng is None else access.data_version(eng)


def filters(
    ecosystems: tuple[str, ...] = (),
    families: tuple[str, ...] = (),
    relations: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
) -> metrics.Filters:
    """The sidebar's choices as the metrics layer's filters; dates are whole UTC days, inclusive."""
    return metrics.Filters(
        ecosystems=ecosystems or None,
        families=families or None,
        relations=relations or None,
        since=datetime.combine(since, time.min, UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)
        if until
        else None,
    )


@st.cache_data(show_spinner=False, max_entries=4)
def choices(_eng: Engine, url: str, version: tuple) -> dict[str, list]:
    """What the sidebar filters offer: ecosystems, families, relations, first and last run dates."""
    return queries.load_choices(_eng)


@st.cache_data(show_spinner=False, max_entries=4)
def origin_of(_eng: Engine, url: str, version: tuple) -> origin.Origin:
    """Where the database's complete runs came from (the emulator's banner reads it)."""
    return origin.load_origin(_eng)


@st.cache_data(show_spinner=False, max_entries=4)
def archive_runs(_eng: Engine, url: str, version: tuple) -> pd.DataFrame:
    """The runs backfilled from the Hub's weekly archive (taken_at, source)."""
    return queries.load_archive_runs(_eng)


@st.cache_data(show_spinner=False, max_entries=4, ttl=300)
def archive_end(_eng: Engine, url: str, version: tuple) -> archive_end_.ArchiveEnd:
    """Where the weekly archive's new data ends and the live snapshots begin (the archive caption). Kept 5
    minutes at most: a backfill that finds repeats and imports nothing leaves the data version as it was."""
    return archive_end_.load_archive_end(_eng)


@st.cache_data(show_spinner=False, max_entries=64)
def series(
    _eng: Engine, url: str, version: tuple, f: metrics.Filters, by: str | None = None, roots: bool = False
) -> pd.DataFrame:
    """Per-run derivatives, new models and downloads (from the roll-ups), grouped by `by`; `roots`: the
    base models' rows too (relation `base`; `derivatives` then counts every member)."""
    return queries.load_series(_eng, f, by, roots=roots)


def release_dates_file() -> tuple[str | None, int]:
    """The user's release-dates file the commands pass on (`TRACKER_RELEASE_DATES`; None: the shipped one
    alone) and its modification stamp: relative adoption is computed again when it changes."""
    return watched_file(RELEASE_DATES_ENV)


@st.cache_data(show_spinner=False, max_entries=4)
def relative_adoption(_eng: Engine, url: str, version: tuple, dates: tuple[str | None, int]) -> tuple:
    """Every root's relative adoption at each milestone (`tracker.read.compare.load_relative_adoption`),
    ages counted from the release dates of the shipped file and the user's (`dates`:
    `release_dates_file()`); and the one line saying what is wrong with the user's file ("" when
    nothing is: if something is, the shipped dates alone)."""
    try:
        release_dates, problem = load_release_dates(dates[0]), ""
    except ReleaseDatesError as exc:
        release_dates, problem = load_release_dates(None), str(exc)
    return compare.load_relative_adoption(_eng, release_dates=release_dates), problem


@st.cache_data(show_spinner=False, max_entries=16)
def providers(_eng: Engine, url: str, version: tuple, f: metrics.Filters) -> dict[str, pd.DataFrame]:
    """Live inference providers at each ecosystem's latest run: `latest` (per ecosystem: models served
    live, (model, provider) pairs, whether the run recorded them) and `by_provider` (models per provider)."""
    latest = compare.compute_providers(compare.load_provider_series(_eng, f))
    counts = compare.load_provider_counts(_eng, latest[latest["recorded"]], f)
    return {"latest": latest, "by_provider": counts}


@st.cache_data(show_spinner=False, max_entries=16)
def builders(_eng: Engine, url: str, version: tuple, f: metrics.Filters) -> pd.DataFrame:
    return queries.load_builders(_eng, f)


@st.cache_data(show_spinner=False, max_entries=16)
def movers(_eng: Engine, url: str, version: tuple, f: metrics.Filters, n: int) -> dict[str, pd.DataFrame]:
    return queries.load_movers(_eng, f, n=n)


@st.cache_data(show_spinner=False, max_entries=4)
def libraries(_eng: Engine, url: str, version: tuple, model_ids: tuple[str, ...]) -> dict[str, str | None]:
    """Each model's `library_name` (the movers' flags: which Hub events concern it)."""
    return load_libraries(_eng, model_ids)


@st.cache_data(show_spinner=False, max_entries=4)
def has_lineage_index(_eng: Engine, url: str, version: tuple) -> bool:
    """Whether the database holds the explorer's index (migration 0007: any tracker command writes it)."""
    return access.has_lineage_index(_eng)


@st.cache_data(show_spinner=False, max_entries=4)
def is_indexed(_eng: Engine, url: str, version: tuple) -> bool:
    return explorer.is_indexed(_eng, version[0])


@st.cache_data(show_spinner=False, max_entries=16)
def lineage_roots(_eng: Engine, url: str, version: tuple, f: metrics.Filters) -> list[str]:
    return explorer.lineage_roots(_eng, version[0], f)


@st.cache_data(show_spinner=False, max_entries=16)
def find_members(_eng: Engine, url: str, version: tuple, f: metrics.Filters, text: str) -> list[str]:
    return explorer.find_members(_eng, version[0], f, text)


@st.cache_data(show_spinner=False, max_entries=64)
def is_member(_eng: Engine, url: str, version: tuple, f: metrics.Filters, model_id: str) -> bool:
    return explorer.is_member(_eng, version[0], f, model_id)


@st.cache_data(show_spinner=False, max_entries=64)
def member(_eng: Engine, url: str, version: tuple, model_id: str, ecosystems: tuple[str, ...]):  # noqa: ANN201
    """The model's row in the latest run: path to the root, children by relation, subtree figures."""
    return explorer.load_member(_eng, version[0], model_id, ecosystems)


@st.cache_data(show_spinner="Reading the lineage…", max_entries=32)
def subtree(
    _eng: Engine, url: str, version: tuple, model_id: str, ecosystems: tuple[str, ...], size: str
) -> pd.DataFrame:
    """The model and its largest descendants by `size`, as many as the explorer's tree can draw."""
    from dashboard import tree

    return explorer.load_subtree(
        _eng, version[0], model_id, ecosystems, size=size, limit=tree.FETCH, max_level=tree.MAX_DEPTH
    )


@st.cache_data(show_spinner=False, max_entries=32)
def subtree_figures(
    _eng: Engine, url: str, version: tuple, model_id: str, f: metrics.Filters
) -> dict[str, int]:
    return explorer.subtree_figures(_eng, version[0], model_id, f)


@dataclass(frozen=True)
class Rows:
    """The history rows the Data page offers: the latest run's or every run's, within the filters."""

    engine: Engine
    url: str
    version: tuple
    filters: metrics.Filters
    latest_only: bool
    contains: str = ""

    def read(self, limit: int | None = MAX_DOWNLOAD_ROWS) -> pd.DataFrame:
        return _history_rows(
            self.engine, self.url, self.version, self.filters, self.latest_only, self.contains, limit
        )

    def csv(self) -> bytes:
        """The rows as CSV (called when the button is clicked)."""
        return _iso(self.read()).to_csv(index=False).encode()

    def parquet(self) -> bytes:
        """The rows as Parquet with the export's Arrow schema (called when the button is clicked)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = self.read()
        table = pa.Table.from_pandas(frame, schema=arrow_schema(table_spec("history")), preserve_index=False)
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=8)
def _history_rows(
    _eng: Engine,
    url: str,
    version: tuple,
    f: metrics.Filters,
    latest_only: bool,
    contains: str,
    limit: int | None,
) -> pd.DataFrame:
    run_ids = queries.latest_runs(_eng, f, 1) if latest_only else None
    frame = history_rows.load_history_rows(_eng, f, run_ids=run_ids, contains=contains or None, limit=limit)
    return frame[list(export_columns())]


@st.cache_data(show_spinner=False, max_entries=16)
def count_rows(_eng: Engine, url: str, version: tuple, f: metrics.Filters) -> int:
    return history_rows.count_history_rows(_eng, f)


def export_columns() -> tuple[str, ...]:
    """The export's `history` columns, from the data dictionary."""
    return tuple(table_spec("history").names)


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out

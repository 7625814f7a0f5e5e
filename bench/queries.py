"""The dashboard's queries at a year's scale, against DuckDB on the raw rows; and the export's memory there.

A synthetic history of 200,000 models x 52 weekly runs (10.4 million history rows, `bench.history`) is
written straight into SQLite and PostgreSQL, each run then completed as a snapshot completes it
(stored deltas and roll-ups, `tracker.storage.rollups`). For each dashboard page, the queries it runs
(`tracker.read.queries`, uncached, as on a first visit) are timed, median of `REPEATS` after one warm-up.
DuckDB gets the same raw rows (runs, models, memberships, figures, links: no roll-ups, no stored
deltas) in its own database and answers the same questions in SQL, its result fetched as a DataFrame.
Then `tracker export history` of the whole history runs as a user runs it, with its peak RSS.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from bench import history as synthetic
from bench.common import PG_URL, Summary, measure, postgres_database
from dashboard import tree
from tracker.read import compare, explorer, history_rows, queries
from tracker.read.metrics import Filters
from tracker.storage.database import make_engine, mask_url

REPEATS = 3
EVERYTHING = Filters()
QUANTIZED = Filters(relations=("quantized",))


def compare_page(engine) -> object:  # noqa: ANN001
    """The Compare page's queries: the series by ecosystem, relation, format and size class, relative
    adoption (the roots' rows) and the providers (their roll-ups)."""
    for by in (None, "relation", "size_class"):
        queries.load_series(engine, EVERYTHING, by)
    queries.load_series(engine, QUANTIZED, "format")
    compare.load_relative_adoption(engine)
    latest = compare.compute_providers(compare.load_provider_series(engine))
    return compare.load_provider_counts(engine, latest[latest["recorded"]])


def _pages(engine) -> dict[str, Callable[[], Any]]:  # noqa: ANN001
    """Each page's queries, as the page runs them on a first visit (nothing cached)."""
    latest = queries.latest_runs(engine, EVERYTHING, 1)[0]
    roots = explorer.lineage_roots(engine, latest, EVERYTHING)

    def lineage() -> object:
        """The explorer on the root with the most children: the roots, its own row (path to the root,
        children by relation, subtree figures), its largest descendants, and their tree laid out."""
        explorer.lineage_roots(engine, latest, EVERYTHING)
        member = explorer.load_member(engine, latest, roots[0])
        nodes = explorer.load_subtree(engine, latest, roots[0], limit=tree.FETCH, max_level=tree.MAX_DEPTH)
        return tree.layout(nodes, models=member.descendants + 1)

    return {
        "sidebar (choices)": lambda: queries.load_choices(engine),
        "overview": lambda: (queries.load_series(engine), queries.load_series(engine, EVERYTHING, "family")),
        "families and relations": lambda: queries.load_series(engine, EVERYTHING, "relation"),
        "formats and licences": lambda: (
            queries.load_series(engine, QUANTIZED, "format"),
            queries.load_series(engine, EVERYTHING, "license"),
        ),
        "compare ecosystems": lambda: compare_page(engine),
        "builders": lambda: queries.load_builders(engine),
        "movers": lambda: queries.load_movers(engine, n=50),
        "lineage explorer": lineage,
        "lineage search": lambda: explorer.find_members(engine, latest, EVERYTHING, "gguf"),  # no match
        "lineage search, common": lambda: explorer.find_members(engine, latest, EVERYTHING, "quantized"),
        "data (latest run)": lambda: (
            history_rows.count_history_rows(engine, EVERYTHING),
            history_rows.load_history_rows(engine, EVERYTHING, run_ids=[latest], limit=10_000),
        ),
        "data (every run)": lambda: history_rows.load_history_rows(engine, EVERYTHING, limit=10_000),
    }


# --- DuckDB: the same questions from the raw rows -----------------------------------------------------------

# Each member's delta against the ecosystem's previous run, and its weekly downloads, from raw rows.
_DUCK_HISTORY = """
WITH seq AS (
    SELECT ecosystem, run_id, taken_at,
           lag(run_id) OVER (PARTITION BY ecosystem ORDER BY taken_at, run_id) AS prev_run_id,
           date_diff('second', lag(taken_at) OVER (PARTITION BY ecosystem ORDER BY taken_at, run_id),
                     taken_at) / 604800.0 AS weeks
    FROM (SELECT DISTINCT m.ecosystem, m.run_id, r.taken_at
          FROM membership m JOIN snapshot_run r ON r.id = m.run_id)
),
h AS (
    SELECT m.run_id, seq.taken_at, m.ecosystem, m.family, m.model_id, m.relation, m.depth,
           s.downloads_30d, s.downloads_all_time, seq.weeks, seq.prev_run_id,
           CASE WHEN lag(m.run_id) OVER w = seq.prev_run_id
                THEN s.downloads_all_time - lag(s.downloads_all_time) OVER w END AS downloads_delta
    FROM membership m
    JOIN seq ON seq.run_id = m.run_id AND seq.ecosystem = m.ecosystem
    JOIN model_snapshot s ON s.run_id = m.run_id AND s.model_id = m.model_id
    WINDOW w AS (PARTITION BY m.ecosystem, m.model_id ORDER BY seq.taken_at, m.run_id)
)
"""
_DUCK_SERIES = (
    _DUCK_HISTORY
    + """
SELECT h.run_id, h.taken_at, h.ecosystem, h.{by},
       count(*) AS derivatives,
       CASE WHEN max(h.prev_run_id) IS NULL THEN NULL
            ELSE count(*) FILTER (WHERE p.model_id IS NULL) END AS new,
       sum(h.downloads_30d) AS downloads_30d, sum(h.downloads_delta) AS downloads_delta,
       round(sum(h.downloads_delta) / max(h.weeks)) AS weekly_downloads,
       count(*) FILTER (WHERE h.downloads_delta < 0) AS negative_deltas
FROM h LEFT JOIN membership p
    ON p.run_id = h.prev_run_id AND p.ecosystem = h.ecosystem AND p.model_id = h.model_id
WHERE h.depth > 0 {where}
GROUP BY ALL ORDER BY 2, 1, 3
"""
)


def _duck_series_by_model(column: str, where: str = "") -> str:
    """The series grouped by a column of the model's own row (library, licence), not of its membership."""
    joined = _DUCK_SERIES.replace(
        "FROM h LEFT JOIN", "FROM h JOIN model r ON r.model_id = h.model_id LEFT JOIN"
    )
    return joined.replace("h.{by}", f"r.{column}").format(where=where)


def _duck_pages(duck) -> dict[str, Callable[[], Any]]:  # noqa: ANN001
    def sql(text: str) -> Callable[[], pd.DataFrame]:
        return lambda: duck.sql(text).df()

    latest = duck.execute("SELECT id FROM snapshot_run ORDER BY taken_at DESC, id DESC LIMIT 1").fetchall()[
        0
    ][0]
    weekly = (
        _DUCK_HISTORY
        + f"""
, w AS (SELECT h.*, round(h.downloads_delta / h.weeks) AS weekly FROM h WHERE h.depth > 0
        AND h.run_id IN (SELECT {latest} UNION SELECT prev_run_id FROM h WHERE run_id = {latest}))
"""
    )
    builders = f"""
SELECT r.author, count(*) AS derivatives, sum(w.downloads_30d) AS downloads_30d,
       sum(w.weekly) AS weekly_downloads
FROM w JOIN model r ON r.model_id = w.model_id WHERE w.run_id = {latest}
GROUP BY r.author ORDER BY downloads_30d DESC, r.author
"""
    movers = f"""
, both_ AS (
    SELECT n.ecosystem, n.model_id, n.family, n.relation, n.weekly, b.weekly AS before,
           n.weekly - b.weekly AS change
    FROM w n LEFT JOIN w b
        ON b.run_id = n.prev_run_id AND b.ecosystem = n.ecosystem AND b.model_id = n.model_id
    WHERE n.run_id = {latest})
SELECT * FROM (SELECT 'risers' AS board, * FROM both_ WHERE change IS NOT NULL
               ORDER BY change DESC, model_id LIMIT 50)
UNION ALL SELECT * FROM (SELECT 'fallers', * FROM both_ WHERE change IS NOT NULL
                         ORDER BY change, model_id LIMIT 50)
UNION ALL SELECT * FROM (SELECT 'relative', * FROM both_ WHERE before >= 100
                         ORDER BY change / before DESC, model_id LIMIT 50)
UNION ALL SELECT * FROM (SELECT 'top', * FROM both_ WHERE weekly IS NOT NULL
                         ORDER BY weekly DESC, model_id LIMIT 50)
"""
    root = duck.execute(  # the same root as the tracker's explorer opens on (`explorer.lineage_roots`)
        f"""SELECT m.model_id FROM membership m JOIN model_snapshot s ON s.run_id = m.run_id
            AND s.model_id = m.model_id WHERE m.run_id = {latest} AND m.depth = 0
            ORDER BY (SELECT count(*) FROM run_edge e WHERE e.run_id = {latest}
                      AND lower(e.parent_id) = lower(m.model_id)) DESC,
                     s.downloads_30d DESC NULLS LAST, m.model_id LIMIT 1"""
    ).fetchall()[0][0]
    search = """SELECT m.model_id FROM membership m JOIN model_snapshot s ON s.run_id = m.run_id
        AND s.model_id = m.model_id WHERE m.run_id = {latest} AND lower(m.model_id) LIKE '%{text}%'
        ORDER BY s.downloads_30d DESC LIMIT 200"""
    lineage = f"""
WITH RECURSIVE tree(node, level) AS (
    SELECT '{root}', 0
    UNION SELECT e.child_id, t.level + 1 FROM run_edge e JOIN tree t ON lower(e.parent_id) = lower(t.node)
    WHERE e.run_id = {latest} AND t.level < 64)
SELECT m.model_id, m.family, m.relation, m.depth, s.downloads_30d, s.likes, min(t.level) AS level
FROM tree t JOIN membership m ON m.run_id = {latest} AND m.model_id = t.node
JOIN model_snapshot s ON s.run_id = m.run_id AND s.model_id = m.model_id
GROUP BY ALL ORDER BY level, downloads_30d DESC
"""
    roots = f"""
SELECT m.model_id, (SELECT count(*) FROM run_edge e WHERE e.run_id = {latest}
                    AND lower(e.parent_id) = lower(m.model_id)) AS children
FROM membership m WHERE m.run_id = {latest} AND m.depth = 0 ORDER BY children DESC
"""
    data_latest = (
        _DUCK_HISTORY + f"SELECT * FROM h WHERE run_id = {latest} ORDER BY ecosystem, model_id LIMIT 10000"
    )
    return {
        "sidebar (choices)": lambda: (
            duck.sql("SELECT DISTINCT ecosystem, family, relation FROM membership").df(),
            duck.sql("SELECT min(taken_at), max(taken_at) FROM snapshot_run").df(),
        ),
        "overview": lambda: (
            duck.sql(_DUCK_SERIES.format(by="ecosystem AS e2", where="")).df(),
            duck.sql(_DUCK_SERIES.format(by="family", where="")).df(),
        ),
        "families and relations": sql(_DUCK_SERIES.format(by="relation", where="")),
        "formats and licences": lambda: (
            duck.sql(_duck_series_by_model("library_name", "AND h.relation = 'quantized'")).df(),
            duck.sql(_duck_series_by_model("license")).df(),
        ),
        "compare ecosystems": lambda: (
            duck.sql(_DUCK_SERIES.format(by="ecosystem AS e2", where="")).df(),
            duck.sql(_DUCK_SERIES.format(by="relation", where="")).df(),
            # no size classes in DuckDB (they walk the links): the series by family stands in for them
            duck.sql(_DUCK_SERIES.format(by="family", where="")).df(),
            duck.sql(_duck_series_by_model("library_name", "AND h.relation = 'quantized'")).df(),
            # relative adoption: every run's roots (its raw tables hold no sizes or release dates)
            duck.sql(
                """SELECT m.run_id, r.taken_at, m.ecosystem, m.model_id, s.downloads_all_time
                   FROM membership m JOIN snapshot_run r ON r.id = m.run_id
                   JOIN model_snapshot s ON s.run_id = m.run_id AND s.model_id = m.model_id
                   WHERE m.depth = 0"""
            ).df(),
            # the providers: the latest run's members (no provider columns here: their count stands in)
            duck.sql(
                f"""SELECT m.ecosystem, count(*), count(s.likes), sum(s.likes)
                    FROM membership m JOIN model_snapshot s ON s.run_id = m.run_id AND s.model_id = m.model_id
                    WHERE m.run_id = {latest} GROUP BY m.ecosystem"""
            ).df(),
        ),
        "builders": sql(weekly + builders),
        "movers": sql(weekly + movers),
        "lineage explorer": lambda: (duck.sql(roots).df(), duck.sql(lineage).df()),
        "lineage search": sql(search.format(latest=latest, text="gguf")),
        "lineage search, common": sql(search.format(latest=latest, text="quantized")),
        "data (latest run)": lambda: (
            duck.execute("SELECT count(*) FROM membership").fetchall(),
            duck.sql(data_latest).df(),
        ),
        "data (every run)": sql(
            _DUCK_HISTORY + "SELECT * FROM h ORDER BY taken_at, run_id, ecosystem, model_id LIMIT 10000"
        ),
    }


def _load_duckdb(path: Path, runs: int) -> object:
    """The same raw rows in a DuckDB database (no roll-ups, no stored deltas)."""
    import duckdb

    duck = duckdb.connect(str(path))
    duck.sql(
        """
        CREATE TABLE snapshot_run (id INTEGER, taken_at TIMESTAMPTZ, status VARCHAR);
        CREATE TABLE model (model_id VARCHAR, author VARCHAR, license VARCHAR, library_name VARCHAR,
                            tags VARCHAR);
        CREATE TABLE membership (run_id INTEGER, ecosystem VARCHAR, model_id VARCHAR, family VARCHAR,
                                 relation VARCHAR, depth INTEGER);
        CREATE TABLE model_snapshot (run_id INTEGER, model_id VARCHAR, downloads_30d BIGINT,
                                     downloads_all_time BIGINT, likes INTEGER, trending_score INTEGER);
        CREATE TABLE run_edge (run_id INTEGER, child_id VARCHAR, parent_id VARCHAR, relation VARCHAR);
        """
    )
    models = [synthetic.model(i) for i in synthetic.universe(runs)]
    frame = pd.DataFrame(
        {
            "model_id": [m.model_id for m in models],
            "author": [m.author for m in models],
            "license": [m.license for m in models],
            "library_name": [m.library for m in models],
            "tags": [m.tags for m in models],
        }
    )
    duck.register("model_rows", frame)
    duck.sql("INSERT INTO model SELECT * FROM model_rows")
    for run in range(runs):
        taken = synthetic.T0 + pd.Timedelta(weeks=run)
        duck.execute("INSERT INTO snapshot_run VALUES (?, ?, 'complete')", [run + 1, taken])
        for table, rows in zip(
            ("membership", "model_snapshot", "run_edge"), synthetic.rows(run + 1, run, models), strict=True
        ):
            duck.register("run_rows", pd.DataFrame(rows))
            duck.sql(f"INSERT INTO {table} SELECT * FROM run_rows")
            duck.unregister("run_rows")
    return duck


def _time(call: Callable[[], Any]) -> float:
    call()  # warm-up: the page cache, the planner, the imports
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main(
    out: TextIO,
    *,
    runs: int = synthetic.RUNS,
    backends: tuple[str, ...] = ("SQLite", "PostgreSQL"),
    export: bool = True,
    written_sqlite: Path | None = None,
) -> list[Summary]:
    """The whole benchmark. `backends`, `export` and `written_sqlite` (a history SQLite file this
    benchmark wrote before, timed again without writing) split it into parts that run side by side,
    each with its own DuckDB baseline: `python -c "from bench import queries; import sys;
    queries.main(sys.stdout, backends=('PostgreSQL',), export=False)"`."""
    summary: list[Summary] = []
    with tempfile.TemporaryDirectory(prefix="tracker-bench-queries-") as tmp, postgres_database() as pg_url:
        folder = Path(tmp)
        urls = {}
        if "SQLite" in backends:
            urls["SQLite"] = f"sqlite:///{written_sqlite or folder / 'history.db'}"
        if "PostgreSQL" in backends and pg_url is not None:
            urls["PostgreSQL"] = pg_url
        elif "PostgreSQL" in backends:
            out.write(f"\nPostgreSQL: no server at {mask_url(PG_URL)}; skipped\n")
        timings: dict[str, dict[str, float]] = {}
        written: dict[str, dict[str, float]] = {}
        for name, url in urls.items():
            if name == "SQLite" and written_sqlite is not None:
                out.write(f"\nTiming the history already written in {written_sqlite}...\n")
            else:
                out.write(f"\nWriting {synthetic.MODELS:,} models x {runs} runs into {name}...\n")
                written[name] = synthetic.write_history(url, out, runs=runs)
            engine = make_engine(url)
            try:
                timings[name] = {page: _time(call) for page, call in _pages(engine).items()}
            finally:
                engine.dispose()
        out.write("\nLoading the same raw rows into DuckDB...\n")
        began = time.perf_counter()
        duck = _load_duckdb(folder / "history.duckdb", runs)
        out.write(f"  ({time.perf_counter() - began:.0f} s)\n")
        timings["DuckDB"] = {page: _time(call) for page, call in _duck_pages(duck).items()}
        duck.close()  # type: ignore[attr-defined]

        rows = synthetic.MODELS * runs
        out.write(
            f"\nDashboard queries on {rows:,} history rows ({synthetic.MODELS:,} models x {runs} runs), "
            f"ms, median of {REPEATS} after a warm-up\n"
        )
        names = list(timings)
        header = f"{'page':<24}" + "".join(f"{n:>12}" for n in names)
        header += "".join(f"{n + ' / DuckDB':>20}" for n in names if n != "DuckDB")
        out.write(header + "\n")
        for page in timings["DuckDB"]:
            line = f"{page:<24}" + "".join(f"{timings[n][page]:>12.1f}" for n in names)
            line += "".join(
                f"{timings[n][page] / timings['DuckDB'][page]:>20.2f}" for n in names if n != "DuckDB"
            )
            out.write(line + "\n")
        for name, info in written.items():
            out.write(
                f"  {name}: written in {info['seconds']:.0f} s; completing a run (stored deltas and "
                f"roll-ups) took {info['rollup_median']:.1f} s (median of {runs})\n"
            )
        summary += page_summaries("queries", f"{rows / 1e6:.1f}M rows", timings)
        if export and "SQLite" in urls:
            summary.extend(_export_memory(urls["SQLite"], rows, folder, out))
    return summary


def page_summaries(benchmark: str, where: str, timings: dict[str, dict[str, float]]) -> list[Summary]:
    """Each database's slowest page (target under 1 s) and its worst page against DuckDB's time on the
    raw rows (target no slower), over the pages DuckDB answers; `timings`: ms by database, then page."""
    found = []
    duck = timings.get("DuckDB", {})
    for name in (n for n in timings if n != "DuckDB"):
        mine = timings[name]
        slowest = max(mine, key=mine.get)
        found.append(
            Summary(
                benchmark,
                f"slowest dashboard page, {name}, {where}",
                f"{mine[slowest]:.0f} ms ({slowest})",
                target="< 1,000 ms",
                met=mine[slowest] < 1000,
            )
        )
        shared = [page for page in mine if page in duck]
        if shared:
            worst = max(shared, key=lambda page: mine[page] / duck[page])
            ratio = mine[worst] / duck[worst]
            found.append(
                Summary(
                    benchmark,
                    f"worst page against DuckDB, {name}, {where}",
                    f"{ratio:.2f} x DuckDB ({worst})",
                    baseline="DuckDB on the raw rows",
                    ratio=f"{ratio:.2f} x",
                    target="<= 1 x DuckDB",
                    met=ratio <= 1,
                )
            )
    return found


def _export_memory(url: str, rows: int, folder: Path, out: TextIO) -> list[Summary]:
    """Peak RSS of `tracker export history` of the whole history (CSV and Parquet), against the import."""
    base = measure(
        "code",
        "import tracker.cli, tracker.report.export, tracker.read.history, tracker.storage.loads,"
        " pyarrow.parquet",
    )
    out.write(f"\nExport of the whole history ({rows:,} rows) from SQLite, once each\n")
    out.write(f"{'process':<28} {'wall s':>8} {'rows/s':>9} {'peak RSS MB':>12}\n")
    out.write(f"{'import, exit (baseline)':<28} {base[0]:>8.1f} {'-':>9} {base[1]:>12.0f}\n")
    summary = []
    for fmt in ("csv", "parquet"):
        target = folder / f"history.{fmt}"
        seconds, peak = measure(
            "module", "tracker", "-q", "export", "history", "--database", url, "--format", fmt,
            "--output", str(target),
        )  # fmt: skip
        out.write(f"{'export --format ' + fmt:<28} {seconds:>8.1f} {rows / seconds:>9,.0f} {peak:>12.0f}\n")
        summary.append(
            Summary(
                "memory",
                f"export history --format {fmt}, {rows / 1e6:.1f}M rows",
                f"{peak:.0f} MB peak RSS",
                baseline=f"{base[1]:.0f} MB (imports)",
                target="< 500 MB",
                met=peak < 500,
            )
        )
        target.unlink()
    return summary

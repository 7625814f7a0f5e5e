"""The data dictionary: every exported column's meaning, type, unit and caveats, in one place (`TABLES`,
the tables of `tracker.report.export_tables` and `export_bases`), the export formats, and the dictionary
in Markdown.

`tracker export` writes its columns from here (names, order, types), `tracker export TABLE --describe`
prints it, and `docs/data-dictionary.md` is generated from it (`python -m tracker.report.dictionary PATH`;
a test keeps the committed file equal to `render_markdown()`). Import-light on purpose: the command
line reads it to build its help.
"""

from __future__ import annotations

import sys

from tracker.report.export_bases import BASES
from tracker.report.export_schema import Table
from tracker.report.export_tables import EDGES, HISTORY, MODELS, RUNS

# One text form for instants in CSV and JSON Lines: fixed width, so that every value of a column parses
# with one format (pandas infers the format from the first value and rejects a later value that has a
# fraction when the first had none), and lossless, so that CSV, JSON Lines and Parquet agree exactly.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
TIMESTAMP_EXAMPLE = "2026-11-02T06:00:00.000000Z"

TABLES: dict[str, Table] = {t.name: t for t in (HISTORY, MODELS, EDGES, RUNS, BASES)}

FORMATS: dict[str, str] = {
    "csv": "UTF-8, comma-separated, a header row, lines ending in `\\n`, fields quoted only when they "
    "need it. An empty field is a missing value.",
    "jsonl": "JSON Lines: UTF-8, one JSON object per line, keys in column order; a missing value is "
    "`null`, integers are JSON numbers.",
    "parquet": "Integers are `int64`, timestamps `timestamp[us, tz=UTC]`, text `string`; columns that "
    "are never empty are declared non-nullable. The file carries pandas metadata, so "
    "`pandas.read_parquet` gives `int64` for never-empty integer columns, `Int64` (nullable) for the "
    "others, and `datetime64[us, UTC]` for timestamps, whatever the rows. Written in row groups as rows "
    "stream from the database. With `--partitioned` (history, bases, runs): a Hive-partitioned folder, "
    "`week=YYYY-MM-DD/run-<run_id>.parquet` (the Monday, UTC, of the run's `taken_at`), one file per run "
    "with these same columns and types; `week` is in the folder names only, a column for the readers "
    "(DuckDB, Polars, Spark, Trino) that read the folder as one table.",
}

# What a consumer of the exports can rely on in their text, CSV opened in a spreadsheet above all: what the
# doors admit (`tracker.collect.doors`, `tracker.core.hub_ids`) and what the ecosystems file allows.
TEXT_RULES: tuple[str, ...] = (
    "- **Ids** (`model_id`, `child_id`, `parent_id`, `base_id`) are Hub ids: ASCII letters, digits, `-`, "
    "`_` and `.`, with one `/` between namespace and name (a legacy id has none), each part 1 to 96 "
    "characters that starts and ends with a letter, a digit or `_`. The tracker refuses at its doors (the"
    " Hub's listings and `model_info`, the archive's files) every model whose id or declared parent's id "
    "is anything else, and says how many in the run's log. So no id starts with `=`, `+`, `-`, `@`, a tab"
    " or a carriage return, and none holds a comma, a quote, a space, a line break or markup: a "
    "spreadsheet shows every id as text, never runs it as a formula. (Rows a tracker recorded before it "
    "checked ids, in versions before 2026-12, are exported as stored.)",
    "- **`relation`** is one of `base`, `finetune`, `adapter`, `quantized`, `merge`, or `unknown`: a "
    "relation the Hub does not define is kept as `unknown` (the model is not dropped; the log counts "
    "them), never as the text the source gave.",
    "- **`bases.organisation`** and **`bases.region`** come from the organisations file, which the "
    "tracker checks when it reads it: an organisation holds no control character and never starts with "
    "`=`, `+`, `-` or `@`; a region is one of `us`, `china`, `eu`, `other`, `unknown`. A namespace the "
    "file does not name is its own organisation, so that value is a Hub name like `author`.",
    "- **`author`, `license`, `library_name`, `pipeline_tag`, `gated`** are names from the Hub's own "
    "vocabularies: they start with a letter or a digit and hold only letters, digits and `_ . + : -`. A "
    "value the source gives outside that is left empty (unknown).",
    "- **`ecosystem`** names follow the ecosystems file's rule (lower-case letters, digits, `_` and `-`). "
    "**`family`** names are the operator's own, as written in that file (or `Other`): text the tracker "
    "trusts, not data from the Hub.",
    "- **`runs.error`** and **`runs.source`** are the tracker's own lines, which may quote what a server "
    "answered or named (an error message, a file's revision): import them as text. Numbers are plain "
    "integers (a `downloads_delta` may be negative); timestamps are as above.",
)

_KIND_TEXT = {
    "integer": "integer",
    "text": "text",
    "timestamp": "timestamp (UTC)",
}


def _cell(text: str) -> str:
    """Text fit for one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(table: Table, *, level: int = 2) -> str:
    """One table's entry in Markdown: grain, filters, notes and a row per column."""
    since = f"`--since`/`--until` on `{table.time_column}`"
    filters = ", ".join([*(f"`--{name}`" for name in table.filters), since])
    lines = [
        f"{'#' * level} `{table.name}`",
        "",
        f"{table.grain} Filters: {filters}.",
        "",
        table.notes,
        "",
        "| column | type | unit | empty? | meaning | caveats |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in table.columns:
        empty = "can be empty" if c.nullable else "never"
        lines.append(
            f"| `{c.name}` | {_KIND_TEXT[c.kind]} | {_cell(c.unit)} | {empty} | {_cell(c.meaning)} "
            f"| {_cell(c.caveats)} |"
        )
    return "\n".join(lines) + "\n"


def render_markdown() -> str:
    """The whole data dictionary in Markdown: what `docs/data-dictionary.md` must contain."""
    parts = [
        "# Data dictionary",
        "",
        "<!-- Generated from tracker/report/export_tables.py and export_bases.py by `python -m "
        "tracker.report.dictionary docs/data-dictionary.md`; edit those files, not this one. -->",
        "",
        "The five tables `tracker export TABLE` writes (`--format csv|parquet|jsonl`), column by column, "
        "in export order. `tracker export TABLE --describe` prints a table's entry. What the Hub counts "
        "as a download, and why deltas can be negative or missing: [methodology](methodology.md).",
        "",
        "## Formats",
        "",
        f"Timestamps are instants in UTC. In CSV and JSON Lines they are ISO 8601 text of one fixed "
        f"width, to the microsecond, ending in `Z`: `{TIMESTAMP_EXAMPLE}` (Python: "
        f"`datetime.fromisoformat`; pandas: `pd.to_datetime(..., utc=True)`).",
        "",
        *(f"- **{name}**: {text}" for name, text in FORMATS.items()),
        "",
        "Integers are 64-bit. The exports read complete runs only, except `runs`, which lists every run. "
        "Rows come in the order each table states; text sorts in the database's collation (byte order on "
        "SQLite).",
        "",
        "## Text you can rely on",
        "",
        *TEXT_RULES,
        "",
    ]
    for table in TABLES.values():
        parts.append(render_table(table))
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    """Write the Markdown dictionary to the path given, or to stdout."""
    text = render_markdown()
    if argv:
        with open(argv[0], "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])

"""`tracker hub serve`: the bundled Hub emulator."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Sequence

import click

logger = logging.getLogger("tracker.commands.hub")


# --- the emulator ------------------------------------------------------------------------------------


@click.group()
def hub() -> None:
    """The bundled Hub emulator, for tests, the demo and benchmarks (offline)."""


@hub.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port; the URL is printed).",
)
@click.option(
    "--catalogue",
    type=click.Choice(["synthetic", "real", "realistic"]),
    default="synthetic",
    show_default=True,
    help="synthetic: seeded ecosystem with every trap; real: 16 weeks of real Hub lineage "
    "(119,010 real ids, 2025-03 to 2025-07) with synthetic figures; realistic: a Hub of the real "
    "one's size (2.2 million models, --models), about 100,000 of them in the Llama tree.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed: same seed, same bytes.")
@click.option(
    "--models",
    default=None,
    type=click.IntRange(100, 5_000_000),
    help="Size of the synthetic catalogue [default: 20000], or of the realistic one [default: 2200000].",
)
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO8601",
    help="Initial clock (default: the catalogue's own, 2026-11-02T06:00Z or 2025-07-02 for real).",
)
@click.option("--quota", default=None, type=click.IntRange(1), help="API requests allowed per window.")
@click.option("--window", default=None, type=click.IntRange(1), help="Rate-limit window in seconds.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND:EVERY",
    help="Fault on every EVERY-th API request; KIND is 429, 500, 502, 503, 504, truncate or drop. "
    "Repeatable, e.g. --fault 429:7 --fault 503:11.",
)
@click.option(
    "--latency-ms", default=0.0, type=click.FloatRange(0), help="Delay added to every API response."
)
@click.option(
    "--listing-rules",
    type=click.Choice(["2026", "2025", "lenient"]),
    default="2026",
    show_default=True,
    help="2026: the real Hub's (listings refuse expand=childrenModelCount and usedStorage; model_info "
    "gives childrenModelCount as counts by relation); 2025: listings also refuse baseModels; lenient: "
    "listings accept every value, child counts as integers (kinder than the real Hub).",
)
@click.option(
    "--empty-provider-mapping",
    is_flag=True,
    help="Give models no inference provider maps an empty inferenceProviderMapping ([] on listings, {} "
    "on model_info) rather than leaving the key out (the real Hub may do either).",
)
@click.option(
    "--archive-cache",
    type=click.Path(file_okay=False, writable=True),
    default=None,
    metavar="DIR",
    help="Keep the weekly archive's Parquet files in DIR across runs (default: a temporary directory "
    "removed on exit). A file is written on first request: about 3 minutes for the realistic catalogue.",
)
@click.option(
    "--archive-redirects",
    is_flag=True,
    help="Answer the archive's Parquet files with a 302 to a CDN-like URL (/_cdn/...), as huggingface.co "
    "sends large files to its CDN; the default serves them from the resolve URL itself.",
)
def hub_serve(
    host: str,
    port: int,
    catalogue: str,
    seed: int,
    models: int | None,
    now_text: str | None,
    quota: int | None,
    window: int | None,
    faults: Sequence[str],
    latency_ms: float,
    listing_rules: str,
    empty_provider_mapping: bool,
    archive_cache: str | None,
    archive_redirects: bool,
) -> None:
    """Serve the emulated Hub over HTTP until interrupted.

    The real Hub's routes (GET /api/models, GET /api/models/{id}) with its payloads, pagination,
    redirects, errors and RateLimit headers; the Hub's weekly archive, the dataset
    hfmlsoc/hub_weekly_snapshots (one Parquet file a week of the catalogue as listed that day, read
    with hf_hub_download or HfFileSystem); admin routes under /_emulator/ move the clock, set
    faults, read counters and give the ground truth (see tracker/emulator/routes/server.py).
    """
    # The emulator (pyarrow, numpy, for its weekly archive): loaded when the command runs, so `tracker --help`
    # and the other commands stay fast.
    from tracker.emulator import load_catalogue
    from tracker.emulator.routes.faults import DEFAULT_QUOTA, DEFAULT_WINDOW, Fault, FaultPlan
    from tracker.emulator.routes.server import HubEmulator, attach, bind
    from tracker.emulator.vocabulary import iso, parse_time

    try:
        now = parse_time(now_text) if now_text else None
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 timestamp: {now_text!r}", param_hint="--now") from None
    try:
        plan = FaultPlan(
            quota or DEFAULT_QUOTA,
            window or DEFAULT_WINDOW,
            tuple(Fault.parse(f) for f in faults),
            latency_ms,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    if catalogue == "real" and models is not None:
        raise click.UsageError("--models applies to the synthetic catalogue only")

    started = time.perf_counter()
    try:
        server = bind(host, port)  # before the catalogue: a busy port fails at once
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    cat = load_catalogue(catalogue, seed=seed, models=models)
    emulator = HubEmulator(
        cat,
        now=now,
        plan=plan,
        listing_rules=listing_rules,
        empty_provider_mapping=empty_provider_mapping,
        archive_cache=archive_cache,
        archive_redirects=archive_redirects,
    )
    attach(server, emulator)

    bound_host, bound_port = server.server_address[:2]
    click.echo(
        f"Hub emulator at http://{bound_host}:{bound_port} ({cat.name} catalogue, seed {seed}, "
        f"{len(cat):,} models, clock {iso(emulator.now)}, {listing_rules} listing rules, "
        f"ready in {time.perf_counter() - started:.1f} s)"
    )
    archive = emulator.archive
    if archive is not None:
        labels = archive.labels
        span = f", {labels[0]} to {labels[-1]}" if len(labels) > 1 else f", {labels[0]}" if labels else ""
        where = f"kept in {archive_cache}" if archive_cache else "written on first request"
        click.echo(
            f"Weekly archive: dataset {archive.repo_id}, {len(labels)} weekly "
            f"file{'s' if len(labels) != 1 else ''}{span} ({where})"
        )
    sys.stdout.flush()

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        logger.info("stopping the Hub emulator")
    finally:
        server.server_close()
        emulator.close_archive()

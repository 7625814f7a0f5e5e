"""`./dev bench pages`: how long each dashboard page takes to show, in a browser, on the demo's database.

Measured in Debian's Chromium under Playwright: from opening a page's link in a new tab (the dashboard's
server already warm) until the page is whole:

- its script has finished (Streamlit's `script_finished` message, read off the page's websocket), and
- its title shows, no skeleton is left, Streamlit's "Running" widget is gone, and every chart and table
  in view is drawn (a Vega-Lite chart's marks, a data frame's canvas).

The tabs are opened in one browser profile, as a reader's browser does: Streamlit's scripts and fonts
are immutable files the browser caches, so only the first load of the first page fetches them. Set
`TRACKER_BENCH_PAGES_FRESH=1` for a fresh profile on every load (each load then fetches them again, as
on a first visit). Each page 5 times, in turn, the first load of each page apart (it fills the server's
caches: reported, not in the median); the figure is the median of the other loads.

The baseline is measured the same way in the same run: an empty Streamlit page (a title, nothing else)
served by the same Streamlit with the options `tracker dashboard` gives it. Target (issue "Right at first
sight"): every page within 1.5 x that empty page.

The database: `TRACKER_BENCH_DEMO_DB` (a SQLite URL or path), else `demo.db` at the project's root when
it holds the demo's 16 runs, else a demo built into a scratch folder first (`tracker demo
--no-dashboard`: minutes).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bench.common import Summary
from tracker.commands.dashboard import streamlit_options

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LOADS = 5
TARGET = 1.5
DEMO_RUNS = 16
EMPTY = 'import streamlit as st\n\nst.set_page_config(page_title="Empty", layout="wide")\nst.title("Empty")\n'
# In the page, once its script has finished: the page as a reader sees it, whole.
WHOLE = """() => {
  const title = document.querySelector('h1');
  if (!title || title.offsetParent === null) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (chart.offsetParent !== null && !chart.querySelector('.marks')) return false;
  }
  for (const table of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    if (table.offsetParent !== null && !table.querySelector('canvas')) return false;
  }
  return true;
}"""
FRESH = os.environ.get("TRACKER_BENCH_PAGES_FRESH", "") not in ("", "0")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runs(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM snapshot_run WHERE status = 'complete'").fetchone()[0]
    except sqlite3.Error:
        return 0


def demo_database(scratch: Path, out: TextIO) -> str:
    """The demo's database URL: given, found at the root, or built now."""
    given = os.environ.get("TRACKER_BENCH_DEMO_DB")
    if given:
        return given if "://" in given else f"sqlite:///{Path(given).resolve()}"
    found = ROOT / "demo.db"
    if found.exists() and _runs(found) >= DEMO_RUNS:
        return f"sqlite:///{found}"
    path = scratch / "demo.db"
    out.write(f"building the demo's database into {path} (tracker demo --no-dashboard: minutes)\n")
    out.flush()
    subprocess.run(
        [sys.executable, "-m", "tracker", "demo", "--no-dashboard", "--database", f"sqlite:///{path}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return f"sqlite:///{path}"


@contextmanager
def _serving(command: list[str], port: int, log: Path) -> Iterator[str]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _finished(payload: bytes | str) -> bool:
    """Whether a websocket message is Streamlit's `script_finished`, for a run not stopped for a rerun."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if isinstance(payload, str):
        return False
    message = ForwardMsg()
    try:
        message.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - not a ForwardMsg: not the end of a run
        return False
    return (
        message.WhichOneof("type") == "script_finished"
        and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
    )


def _whole(page, url: str) -> float:  # noqa: ANN001 - a Playwright page
    """Seconds from opening `url` in `page` until its script has finished and the page is whole."""
    finished: list[bool] = []
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda payload: finished.append(True) if _finished(payload) else None
        ),
    )
    began = time.perf_counter()
    page.goto(url, wait_until="commit")
    deadline = began + 120
    while not finished:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{url}: the page's script did not finish within 120 s")
        page.wait_for_timeout(20)  # lets Playwright deliver the websocket's messages
    page.wait_for_function(WHOLE, polling=50, timeout=120_000)
    return time.perf_counter() - began


class _Tabs:
    """New tabs in one browser profile (its cache kept), or each in a fresh profile with `FRESH`."""

    def __init__(self, browser) -> None:  # noqa: ANN001 - a Playwright browser
        self.browser = browser
        self.profile = None if FRESH else self._profile()

    def _profile(self):  # noqa: ANN202 - a Playwright browser context
        return self.browser.new_context(viewport={"width": 1440, "height": 1000})

    @contextmanager
    def new(self) -> Iterator:
        profile = self.profile or self._profile()
        page = profile.new_page()
        try:
            yield page
        finally:
            page.close()
            if profile is not self.profile:
                profile.close()

    def close(self) -> None:
        if self.profile is not None:
            self.profile.close()


def _load(tabs: _Tabs, url: str) -> float:
    """Seconds from opening `url` in a new tab until the page is whole."""
    with tabs.new() as page:
        return _whole(page, url)


def _pages(tabs: _Tabs, base: str) -> list[tuple[str, str]]:
    """The dashboard's pages, (title, URL), read off its navigation."""
    with tabs.new() as page:
        _whole(page, base)
        links = page.locator('[data-testid="stSidebarNavLink"]')
        # a link's text is its icon's name (a ligature) and its title: the title is the last span's
        found = [
            (
                links.nth(i).locator("span").last.inner_text().strip(),
                links.nth(i).get_attribute("href") or "",
            )
            for i in range(links.count())
        ]
    return [
        (title, href if href.startswith("http") else base + "/" + href.lstrip("/")) for title, href in found
    ]


def _measure(tabs: _Tabs, urls: list[tuple[str, str]]) -> dict[str, tuple[float, list[float]]]:
    """Each page's first load and its later loads, the pages taken in turn so noise spreads evenly."""
    first = {title: _load(tabs, url) for title, url in urls}
    later: dict[str, list[float]] = {title: [] for title, _ in urls}
    for _ in range(LOADS - 1):
        for title, url in urls:
            later[title].append(_load(tabs, url))
    return {title: (first[title], later[title]) for title, _ in urls}


def main(out: TextIO) -> list[Summary]:
    if not Path(CHROMIUM).exists():
        out.write(f"pages: skipped, no Chromium at {CHROMIUM} (apt-get install chromium)\n")
        return []
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as scratch_name:
        scratch = Path(scratch_name)
        url = demo_database(scratch, out)
        empty = scratch / "empty.py"
        empty.write_text(EMPTY)
        streamlit = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(empty),
            *streamlit_options(),
            "--server.address",
        ]
        tracker = [sys.executable, "-m", "tracker", "dashboard", "--database", url, "--port"]
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                port = _free_port()
                command = [*streamlit, "127.0.0.1", "--server.port", str(port)]
                with _serving(command, port, scratch / "empty.log") as base:
                    tabs = _Tabs(browser)
                    baseline = _measure(tabs, [("empty page", base)])["empty page"]
                    tabs.close()
                port = _free_port()
                with _serving([*tracker, str(port)], port, scratch / "dashboard.log") as base:
                    tabs = _Tabs(browser)
                    times = _measure(tabs, _pages(tabs, base))
                    tabs.close()
            finally:
                browser.close()
    load_after = os.getloadavg()
    floor = statistics.median(baseline[1])
    profile = "a fresh browser profile each load" if FRESH else "new tabs of one browser profile"
    out.write(f"\nPages of the demo's dashboard ({url}), seconds until whole, at 1440 x 1000, {profile}\n")
    out.write(
        f"load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end "
        f"({os.cpu_count()} CPUs)\n"
    )
    out.write(f"{'page':<28}{'first load':>12}{'median':>10}{'x empty':>10}\n")
    out.write(f"{'empty page (baseline)':<28}{baseline[0]:>12.2f}{floor:>10.2f}{1:>10.2f}\n")
    summary = [Summary("pages", "empty Streamlit page, median", f"{floor:.2f} s")]
    for title, (first, later) in times.items():
        median = statistics.median(later)
        out.write(f"{title:<28}{first:>12.2f}{median:>10.2f}{median / floor:>10.2f}\n")
        summary.append(
            Summary(
                "pages",
                f"{title}, median",
                f"{median:.2f} s",
                baseline=f"{floor:.2f} s",
                ratio=f"{median / floor:.2f} x empty",
                target=f"<= {TARGET} x empty",
                met=median <= TARGET * floor,
            )
        )
    return summary

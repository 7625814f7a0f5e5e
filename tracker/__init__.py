"""The open-model adoption tracker: one package per stage, each saying in its docstring what it may import.

- `tracker.core`: pure rules and shared types; imports nothing else of the tracker.
- `tracker.collect`: all Hub traffic and archive reading.
- `tracker.storage`: tables, engines, migrations, the writers.
- `tracker.read`: every read of the database for people.
- `tracker.report`: exports, the data dictionary, digest, alerts, notifications.
- `tracker.run`: what a command runs (snapshot, backfill, scheduler, demo).
- `tracker.commands`: the command line, one module per command group; only `tracker.cli` imports them.
- `tracker.emulator`: the Hub emulator.

`tests/test_layout.py` holds every package to its rule. The modules at this level (`cli`, `__main__`, and
`scheduler`, the stored job's reference) are the command line's entry. May import: `tracker.commands`,
`tracker.run`.
"""

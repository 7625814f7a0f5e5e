"""The emulated Hub over HTTP: `server` (`HubEmulator`, served in a thread), `state` (what it knows and
counts), `handler` (the Hub's model routes, with `listing`, `rules` and `faults`), `datasets` (the weekly
archive's routes), `admin` (the `/_emulator/` routes) and `responder` (how any of them answers).

May import: `tracker.core`, `tracker.emulator.vocabulary`, `tracker.emulator.catalogue`,
`tracker.emulator.payloads`, `tracker.emulator.truth`, `tracker.emulator.archive`.
"""

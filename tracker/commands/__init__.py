"""The commands of the `tracker` command line, one module per area; `tracker.cli` assembles them.

Thin shells: parse options, call the stage that does the work, report in one line.
May import: `tracker.core`, `tracker.collect`, `tracker.storage`, `tracker.read`, `tracker.report`,
`tracker.run`, `tracker.emulator`.
"""

"""What a command runs: a snapshot, a backfill, the scheduler and its notices, the offline demo.

May import: `tracker.core`, `tracker.collect`, `tracker.storage`, `tracker.read`, `tracker.report`,
and `tracker.emulator` (the demo serves it).
"""

"""The database: tables, engines, migrations, the snapshot lock, and the writers (store, roll-ups).

The only schema and the only writes. May import: `tracker.core`.
"""

"""The database: tables, engines, migrations, the snapshot lock, the writers (a run's lifecycle, its rows,
roll-ups) and the reads the crawl machinery needs back (loads).

The only schema and the only writes. May import: `tracker.core`.
"""

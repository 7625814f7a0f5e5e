"""Every read of the database for people: the history, metrics, the dashboard's queries, comparisons,
the headline figures (KPIs). Never a writer.

May import: `tracker.core`, `tracker.storage` (tables and engines, to read them).
"""

"""Pure rules and shared types: records, the ecosystems and organisations files, lineage and the lineage
index's maths, usage, strategy costs, crontabs, adoption and the measures shared by the roll-ups and their
readers, the archive's names, errors as one line, the dashboard login's rules.

May import: nothing else of the tracker (only `tracker.core` itself). No HTTP, no database, no clock.
"""

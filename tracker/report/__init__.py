"""What leaves the tracker for people: exports and the data dictionary, the digest and its rendering
(charts included), alert rules, notifications and the masking of their secrets.

May import: `tracker.core`, `tracker.storage` (tables), `tracker.read`.
"""

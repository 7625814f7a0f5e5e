"""The Streamlit dashboard: the entry script, the login gate, the pages (`dashboard.views`), widgets and
layout only. Its figures come through the tracker's readers; the tracker never imports the dashboard.

May import: `tracker.core`, `tracker.read`, `tracker.report`.
"""

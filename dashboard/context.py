"""What every page needs: the database, the latest complete run and the sidebar's filters.

The entry script (`dashboard/app.py`) builds it once per rerun and keeps it in `st.session_state`;
pages read it with `current()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import data

KEY = "_tracker_context"


@dataclass(frozen=True)
class Context:
    engine: Engine
    url: str
    run_id: int
    ecosystems: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    all_ecosystems: tuple[str, ...] = field(default=())

    def history(self, **overrides: object) -> pd.DataFrame:
        """The filtered history (cached, keyed on the latest run); overrides replace filters."""
        args = {
            "ecosystems": self.ecosystems,
            "families": self.families,
            "relations": self.relations,
            "since": self.since,
            "until": self.until,
        } | overrides
        return data.history(self.engine, self.url, self.run_id, **args)

    def edges(self) -> pd.DataFrame:
        return data.edges(self.engine, self.url, self.run_id)


def current() -> Context:
    return st.session_state[KEY]

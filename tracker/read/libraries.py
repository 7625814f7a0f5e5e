"""Each model's library (`library_name`, as the latest run that saw it recorded it): which of the Hub's
events concern it (`tracker.core.events.concerns`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tracker.storage.handles import MODELS

CHUNK = 500  # ids per query: well under SQLite's and PostgreSQL's bound-parameter limits


def load_libraries(engine: Engine, model_ids: Iterable[str]) -> dict[str, str | None]:
    """{model id: its `library_name`, None where the Hub gave none}; an id the store does not hold is left
    out."""
    ids = sorted(set(model_ids))
    found: dict[str, str | None] = {}
    with engine.connect() as connection:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            query = select(MODELS.c.model_id, MODELS.c.library_name).where(MODELS.c.model_id.in_(chunk))
            found.update({row.model_id: row.library_name for row in connection.execute(query)})
    return found

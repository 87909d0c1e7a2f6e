"""Process-level settings applied when a server process starts serving."""

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI

from app.evaluation.codes import keep_codes_out_of_access_log
from app.storage import remove_partial_uploads

_YOUNG_THRESHOLD = 10_000


@contextmanager
def collector_for_serving() -> Iterator[None]:
    """Hide the objects made so far from the garbage collector, and collect young objects
    less often, until the block ends.

    The objects made at start-up live as long as the process, and a full collection walking
    them stops the event loop long enough to show in the p95 (docs/PERFORMANCE.md); frozen,
    they are skipped. A request makes thousands of short-lived containers: at Python's
    threshold of 700 the youngest generation was collected every few requests, for nothing
    reference counting did not free already. A batch (bench/grading_city.py, a city's
    grading) runs under the same settings as the server."""
    gc.collect()
    gc.freeze()
    before = gc.get_threshold()
    gc.set_threshold(_YOUNG_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """The process settings, then serve."""
    with collector_for_serving():
        await remove_partial_uploads()
        keep_codes_out_of_access_log()
        yield

"""Process-level settings applied when a server process starts serving."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.evaluation.codes import keep_codes_out_of_access_log
from app.storage import remove_partial_uploads

_YOUNG_THRESHOLD = 10_000


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Hide the objects made at start-up from the garbage collector, then serve.

    They live as long as the process, and a full collection walking them stops the event
    loop long enough to show in the p95 (docs/PERFORMANCE.md); frozen, they are skipped."""
    gc.collect()
    gc.freeze()
    # A request makes thousands of short-lived containers: at Python's threshold of 700 the
    # youngest generation was collected every few requests, for nothing reference counting
    # did not free already.
    before = gc.get_threshold()
    gc.set_threshold(_YOUNG_THRESHOLD, *before[1:])
    await remove_partial_uploads()
    keep_codes_out_of_access_log()
    try:
        yield
    finally:
        gc.set_threshold(*before)

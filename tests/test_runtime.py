"""Process settings applied while the app serves (app.runtime.lifespan)."""

import gc

from app.main import app
from app.runtime import lifespan


async def test_serving_freezes_start_up_objects_and_collects_young_ones_less_often():
    before = gc.get_threshold()
    async with lifespan(app):
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (10_000, *before[1:])
    assert gc.get_threshold() == before

"""The serving process freezes what it loaded at startup and collects garbage seldom."""

from __future__ import annotations

import gc

from rolegate.server.gc_tuning import OLDER_THRESHOLD, YOUNG_THRESHOLD, tune_for_serving


def test_freezes_the_loaded_objects_and_raises_the_thresholds() -> None:
    before = gc.get_threshold()
    try:
        tune_for_serving()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)

"""Garbage collection set for a server whose requests allocate many short-lived objects.

Buys the full collections that landed inside listing requests: their p99 (figures:
docs/benchmarks.md, ``bench/account_listing.py``).

With CPython's default thresholds (700, 10, 10) a page of GetAccountAuthorizationDetails (tens
of thousands of rows, dicts and strings, all dead when the response is sent) triggers young
collections several times per request, and the objects those find alive (the page being built)
are promoted until a full collection walks every object of the process (the botocore models,
SQLAlchemy's metadata and caches, compiled policies) inside whichever request happened to
allocate.

So, once the node has loaded everything it keeps (models, statements, caches), what is alive is
frozen (``gc.freeze``: never scanned again) and the young generation may grow to 20,000 objects
before a collection: a request's garbage is freed by reference counting long before that, so
collections become rare and the full ones only walk what arrived since startup. Reference
cycles are still collected, only later, holding back a few megabytes at most.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000
OLDER_THRESHOLD = 20


def tune_for_serving() -> None:
    """Freeze what the process holds now and raise the collection thresholds (call once,
    after startup, in the serving process)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)

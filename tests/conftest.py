"""Shared test set-up.

- Makes the helper modules (``conftest_db``, ``e2e/harness``, ``e2e/signing``) importable.
- A hypothesis profile without per-example deadlines: the machines are shared and noisy, and
  speed belongs to ``bench/``, never to a test.
"""

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

_HERE = Path(__file__).parent
for folder in (_HERE, _HERE / "e2e"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

settings.register_profile(
    "rolegate", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("rolegate")

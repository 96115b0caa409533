"""Make the shared test helper modules (``conftest_db``, ``e2e/harness``) importable."""

import sys
from pathlib import Path

_HERE = Path(__file__).parent
for folder in (_HERE, _HERE / "e2e"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

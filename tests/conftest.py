"""Shared test set-up: a hypothesis profile without per-example deadlines (the machines are
shared and noisy, and speed belongs to ``bench/``, never to a test).

The helper modules (``conftest_db``, ``e2e/harness``, ``e2e/signing``, ...) are importable through
pytest's ``pythonpath`` setting in pyproject.toml.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "rolegate", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("rolegate")

"""wrk replaying pre-built requests: the Lua that cycles through them and reports one JSON line,
and the run that reads that line. A script is a benchmark's own ``init`` (filling ``requests``)
followed by :data:`REPLAY`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

# Appended to a script whose ``init`` fills the global ``requests`` with ``wrk.format`` results.
REPLAY = """
request = function()
  index = index % #requests + 1
  return requests[index]
end
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def lua_string(text: str) -> str:
    """``text`` as a Lua long string (no escapes needed inside)."""
    if "]====]" in text:
        raise ValueError("a request holds the Lua long-string terminator")
    return f"[====[{text}]====]"


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict[str, Any]:
    """One wrk run (2 threads) of ``script`` against ``url``: its JSON line plus ``per_s``."""
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    if done.returncode != 0 or not done.stdout.strip().endswith("}"):
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["per_s"] = round(result["requests"] / (result["duration_us"] / 1e6))
    return result

"""The failover drill with its figures: two centrals behind haproxy, one killed with ``kill -9``.

The same rig as ``tests/e2e/test_failover.py`` (``tests/e2e/failover_rig.py``): kiosks issue
tickets and file appeals through the proxy; central ``a`` is killed mid-load. Prints when the
kiosks were served by central again, the longest gap in service, and the counts. PostgreSQL with
``CENTRAL_TEST_DB=postgresql`` (a throwaway cluster), one SQLite file otherwise.

    .venv/bin/python bench/failover.py [--kiosks 2] [--after 9]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.failover_rig import rig, run_drill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=2)
    parser.add_argument("--before", type=float, default=3.0, help="seconds of load before the kill")
    parser.add_argument("--after", type=float, default=9.0, help="seconds of load after the kill")
    parser.add_argument("--pace", type=float, default=0.05, help="each kiosk's pause between tickets (s)")
    args = parser.parse_args()
    backend = os.environ.get("CENTRAL_TEST_DB", "sqlite")
    with tempfile.TemporaryDirectory(prefix="bench-failover-") as tmp, rig(Path(tmp)) as r:
        result = run_drill(r, args.kiosks, args.before, args.after, args.pace)
    print(f"failover drill db={backend} kiosks={args.kiosks} pace={args.pace:g}s: {result.summary()}")


if __name__ == "__main__":
    main()

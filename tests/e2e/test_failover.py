"""The failover drill: two centrals behind haproxy, one killed with ``kill -9`` while kiosks work.

Kiosks (real KioskContexts) keep issuing tickets and filing appeals; within 15 s central answers
them again through the surviving process, and at the end every ticket and appeal is at central
exactly once, with the number the kiosk printed. PostgreSQL with ``CENTRAL_TEST_DB=postgresql``,
one shared SQLite file otherwise. ``bench/failover.py`` runs the same drill and prints the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.failover_rig import haproxy_binary, rig, run_drill

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        haproxy_binary() is None, reason="haproxy is not installed (bash run.sh test installs it)"
    ),
]


def test_kill_9_one_central_kiosks_are_served_again_and_nothing_is_lost_or_duplicated(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        result = run_drill(r, kiosks=2, before_s=2.5, after_s=7.0)
    print("\nfailover drill: " + result.summary())
    assert result.served_again_after_s < 15
    assert result.longest_gap_s < 15
    assert result.unsynced == 0
    assert (result.lost, result.duplicated, result.renumbered) == (0, 0, 0)
    assert sum(1 for t in result.issued if t.at > result.killed_at and not t.offline) >= 5

"""The units ``kiosk install-service`` writes: after the start limit, the out-of-service unit, not a loop.

No systemd runs here, so the path is checked two ways: ``systemd-analyze verify`` (when installed)
loads both units as systemd would, and a stand-in of systemd's documented rules (systemd.service
``Restart=``, systemd.unit ``StartLimitIntervalSec=``/``StartLimitBurst=``/``OnFailure=``) driven by
the values parsed from the unit text, so changing a number in the unit changes what is checked.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.supervise import OUT_OF_SERVICE_UNIT, UNIT, out_of_service_unit_text, unit_text

# systemd.service(5), table 2: which exits each Restart= value restarts.
RESTARTS = {
    "on-failure": {"exit-code", "signal", "timeout", "watchdog"},
    "on-watchdog": {"watchdog"},
    "no": set(),
}


def parse(text: str) -> configparser.ConfigParser:
    units = configparser.ConfigParser(interpolation=None, strict=False)
    units.optionxform = str  # type: ignore[assignment,method-assign]
    units.read_string(text)
    return units


def run_systemd(failures: list[tuple[float, str]]) -> list[str]:
    """What systemd does with the kiosk unit for failures at (seconds since boot, how): the started units."""
    main, spare = (
        parse(unit_text("/opt/kiosk/bin/kiosk", None, "kiosk")),
        parse(out_of_service_unit_text("/opt/kiosk/bin/kiosk", None, "kiosk")),
    )
    burst = int(main["Unit"]["StartLimitBurst"])
    interval = float(main["Unit"]["StartLimitIntervalSec"])
    restart_sec = float(main["Service"]["RestartSec"])
    restarts = RESTARTS[main["Service"]["Restart"]]
    starts: list[float] = [0.0]
    started = [f"{UNIT} run"]
    for at, how in failures:
        if how not in restarts:
            break  # the unit stays failed
        when = at + restart_sec
        if len([s for s in starts if s > when - interval]) >= burst:
            break  # start limit hit: the unit fails for good
        starts.append(when)
        started.append(f"{UNIT} run")
    else:
        return started
    on_failure = main["Unit"]["OnFailure"]
    assert on_failure == OUT_OF_SERVICE_UNIT
    assert spare["Service"]["Restart"] == "no"  # no loop of its own
    assert spare["Unit"]["Conflicts"] == UNIT
    command = spare["Service"]["ExecStart"]
    started.append(f"{on_failure} {command.split(' ', 1)[1].split(' --config')[0]}")
    return started


def test_watchdog_timeouts_past_the_start_limit_end_on_the_out_of_service_screen() -> None:
    started = run_systemd([(60.0 * n, "watchdog") for n in range(1, 8)])
    assert started[:5] == [f"{UNIT} run"] * 5  # the first start and four restarts
    assert started[5:] == [f"{OUT_OF_SERVICE_UNIT} run --out-of-service"]


def test_a_crash_is_restarted_too_and_counts_against_the_same_limit() -> None:
    started = run_systemd(
        [(10.0, "signal"), (20.0, "exit-code"), (30.0, "watchdog"), (40.0, "signal"), (50.0, "signal")]
    )
    assert started[-1] == f"{OUT_OF_SERVICE_UNIT} run --out-of-service"
    assert started.count(f"{UNIT} run") == 5


def test_failures_spread_beyond_the_interval_keep_restarting() -> None:
    started = run_systemd([(700.0 * n, "watchdog") for n in range(1, 10)])
    assert OUT_OF_SERVICE_UNIT not in " ".join(started)
    assert len(started) == 10


def test_start_limit_sits_in_unit_section_where_systemd_reads_it() -> None:
    main = parse(unit_text("/opt/kiosk/bin/kiosk", None, "kiosk"))
    assert "StartLimitBurst" not in main["Service"]  # ignored there by current systemd
    assert main["Service"]["Type"] == "notify"
    assert main["Service"]["WatchdogSec"] == "30"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_both_units(tmp_path: Path) -> None:
    (tmp_path / UNIT).write_text(unit_text("/bin/true", None, "root"), encoding="utf-8")
    (tmp_path / OUT_OF_SERVICE_UNIT).write_text(
        out_of_service_unit_text("/bin/true", None, "root"), encoding="utf-8"
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"./{UNIT}", f"./{OUT_OF_SERVICE_UNIT}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown key" not in result.stderr

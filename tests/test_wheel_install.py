"""A wheel built from this checkout, installed with the lock into a fresh venv, runs the demo.

Checks what a checkout hides: assets/ (kv, fonts, keyboards, catalogs, receipt templates) inside the
wheel and found there by ``service_common.paths``, the ``kiosk`` and ``kiosk-central`` entry points,
and ``locks/demo.txt`` holding everything the demo imports. Installs with uv (pinned in the dev lock,
hashes checked, from its cache after the first run), so a second run takes seconds, not minutes.
Deselect with ``-m "not packaging"`` while iterating on something else.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
BUILT = ["fonts/KioskSans-Regular.otf", "fonts/MaterialIcons-Regular.ttf", "locale/ru/LC_MESSAGES/kiosk.mo"]
SKIP_COPY = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "var",
    "tests",
    "bench",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "*.tmp",
)

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(420)]


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment (network and certificate settings) without what would bend the result: no
    PYTHONPATH (it would import the checkout instead of the wheel), no display, no kiosk settings."""
    drop = ("PYTHON", "VIRTUAL_ENV", "KIOSK_", "KIVY_", "SDL_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(drop) and k not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env.update(extra)
    return env


def _run(command: list[str], timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


def build_wheel(out: Path) -> Path:
    """From a copy of the checkout: no stale build/ and nothing written into the worktree."""
    src = out / "src"
    shutil.copytree(ROOT, src, ignore=SKIP_COPY)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    _run([*command, "-w", str(out / "dist"), str(src)], timeout=180)
    (wheel,) = (out / "dist").glob("service_kiosk-*.whl")
    return wheel


def install(venv: Path, wheel: Path) -> Path:
    """A fresh venv with exactly locks/demo.txt, then the wheel without dependencies of its own."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    python = venv / "bin" / "python"
    env = _clean_env()
    if uv:
        _run([uv, "venv", "-q", "--python", sys.executable, str(venv)], timeout=60, env=env)
        pip = [uv, "pip", "install", "-q", "--python", str(python)]
    else:  # the README's plain-pip way
        _run([sys.executable, "-m", "venv", str(venv)], timeout=120, env=env)
        pip = [str(python), "-m", "pip", "install", "-q"]
    _run(
        [*pip, "--require-hashes", "--no-deps", "-r", str(ROOT / "locks" / "demo.txt")], timeout=300, env=env
    )
    _run([*pip, "--no-deps", str(wheel)], timeout=120, env=env)
    return python


def _installed(name: str) -> bool:
    try:
        version(name)
    except PackageNotFoundError:
        return False
    return True


def _screen_drawn(path: Path) -> bool:
    """A frame with content: the first offscreen frame can come out all black."""
    try:
        with Image.open(path) as image:
            low, high = image.convert("L").getextrema()
            return bool(high - low > 64 and len(image.convert("RGB").getcolors(1 << 20) or []) > 16)
    except (OSError, SyntaxError):
        return False


def test_wheel_installed_with_the_lock_runs_the_demo(tmp_path: Path) -> None:
    setuptools_major = int(version("setuptools").split(".")[0]) if _installed("setuptools") else 0
    if setuptools_major < 77:  # the build has no isolation: it uses this venv's (locked) setuptools
        pytest.skip("this venv was not installed from locks/dev.txt (bash run.sh setup): setuptools < 77")
    missing = [name for name in BUILT if not (ROOT / "assets" / name).is_file()]
    assert not missing, f"build the assets first (bash run.sh setup): {missing}"
    started = time.monotonic()
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for name in [*BUILT, "kv/app.kv", "keyboards/ru.json", "receipts/ticket.toml"]:
        assert f"service_common/assets/{name}" in names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    built = time.monotonic()

    python = install(tmp_path / "venv", wheel)
    installed = time.monotonic()
    run_dir = tmp_path / "run"  # not the checkout: nothing importable from the current directory
    run_dir.mkdir()
    where = _run(
        [str(python), "-c", "from service_common import paths; print(paths.ASSETS)"],
        timeout=60,
        cwd=run_dir,
        env=_clean_env(),
    ).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where
    assert (Path(where) / "fonts" / "KioskSans-Regular.otf").is_file()

    data = tmp_path / "data"
    screen = data / "demo" / "kiosk" / "screen.png"
    log = (tmp_path / "demo.out").open("w")
    demo = subprocess.Popen(
        [str(tmp_path / "venv" / "bin" / "kiosk"), "demo"],
        cwd=run_dir,
        env=_clean_env(KIOSK_DATA_DIR=str(data)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not (screen.exists() and _screen_drawn(screen)):
            assert demo.poll() is None, (tmp_path / "demo.out").read_text()
            assert time.monotonic() < deadline, (
                "no drawn screen within 90 s\n" + (tmp_path / "demo.out").read_text()
            )
            time.sleep(0.5)
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(timeout=10)
        log.close()
    output = (tmp_path / "demo.out").read_text()
    assert "demo central service: http://127.0.0.1:" in output
    print(
        f"wheel {wheel.stat().st_size / 1e6:.0f} MB built in {built - started:.1f} s; "
        f"installed in {installed - built:.1f} s; demo screen after {time.monotonic() - installed:.1f} s"
    )

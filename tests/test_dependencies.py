"""Each install set holds what its side imports and nothing of the other side's.

A kiosk installs ``locks/kiosk.txt``, a central server ``locks/central.txt`` (see the README); these
checks read the lock files and the sources only: no network, well under a second.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "locks"
FIRST_PARTY = {"service_common", "offline_cache", "server_sync", "devices", "screens", "kiosk", "central"}
SIDES = {
    "kiosk": ["service_common", "offline_cache", "server_sync", "devices", "screens", "kiosk"],
    "central": ["service_common", "central"],
}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def locked(name: str) -> dict[str, str]:
    """Distribution → pinned version, from one exported lock file."""
    pins: dict[str, str] = {}
    for line in (LOCKS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if match:
            pins[_normal(match[1])] = match[2]
    return pins


def imported_modules(packages: list[str]) -> set[str]:
    """Top-level names of every third-party module the packages import, at any depth of the code."""
    names: set[str] = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - FIRST_PARTY - set(sys.stdlib_module_names)


def test_central_installs_no_kivy_and_the_kiosk_no_fastapi() -> None:
    central, kiosk = locked("central"), locked("kiosk")
    assert "fastapi" in central
    assert "kivy" not in central
    assert not {"pyscard", "python-escpos", "pyserial", "sqlite-utils"} & central.keys()
    assert "kivy" in kiosk
    assert not {"fastapi", "uvicorn", "starlette", "sqlalchemy", "alembic"} & kiosk.keys()
    for name in ("central", "kiosk", "demo"):
        assert not {"pytest", "mypy", "ruff", "selenium", "hypothesis"} & locked(name).keys(), name


@pytest.mark.parametrize("side", SIDES)
def test_each_side_installs_what_it_imports(side: str) -> None:
    """Every third-party import of a side comes from a distribution in that side's lock."""
    distributions = packages_distributions()
    missing = {
        module: distributions.get(module, ["?"])
        for module in imported_modules(SIDES[side])
        if not any(_normal(dist) in locked(side) for dist in distributions.get(module, []))
    }
    assert not missing, f"imported by the {side} but not in locks/{side}.txt: {missing}"


def declared(extra: str) -> set[str]:
    """Distributions named in pyproject.toml for one extra (and the base), following service-kiosk[...]."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names: set[str] = set()
    todo, seen = [extra], set()
    for requirement in project["dependencies"]:
        names.add(_normal(re.split(r"[\s<>=!~;\[]", requirement)[0]))
    while todo:
        current = todo.pop()
        seen.add(current)
        for requirement in project["optional-dependencies"][current]:
            name = re.split(r"[\s<>=!~;\[]", requirement)[0]
            if _normal(name) == "service-kiosk":
                todo += [e for e in re.findall(r"[a-z]+", requirement.split("[")[1]) if e not in seen]
            else:
                names.add(_normal(name))
    return names


@pytest.mark.parametrize("side", SIDES)
def test_each_import_is_declared_where_it_is_imported(side: str) -> None:
    """Not only there by chance (a dependency of a dependency): named in the side's own extra."""
    distributions = packages_distributions()
    extras = ["kiosk", "pcsc"] if side == "kiosk" else ["central"]
    names = set().union(*(declared(extra) for extra in extras))
    undeclared = {
        module: distributions.get(module, ["?"])
        for module in imported_modules(SIDES[side])
        if not any(_normal(dist) in names for dist in distributions.get(module, []))
    }
    assert not undeclared, f"imported by the {side} but not declared in its extra: {undeclared}"


def test_every_set_agrees_with_the_dev_lock() -> None:
    """One resolution (uv.lock) for all: a package has the same version on a kiosk, a central and in tests."""
    dev = locked("dev")
    for name in ("kiosk", "central", "demo"):
        for dist, version in locked(name).items():
            assert dev.get(dist) == version, (name, dist, version, dev.get(dist))


def test_every_pin_carries_hashes() -> None:
    for name in ("kiosk", "central", "demo", "dev"):
        blocks = re.split(r"\n(?=[A-Za-z0-9])", (LOCKS / f"{name}.txt").read_text(encoding="utf-8"))
        for block in blocks:
            if "==" in block.split("\n")[0]:
                assert "--hash=sha256:" in block, (name, block.split("\n")[0])


def test_exported_locks_match_uv_lock(tmp_path: Path) -> None:
    """locks/*.txt are exports of uv.lock (scripts/lock.sh); ``--frozen`` reads the lock file only."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed (it comes with the dev lock)")
    sets = {"kiosk": ["kiosk", "pcsc"], "central": ["central"], "demo": ["demo"], "dev": ["dev"]}
    for name, extras in sets.items():
        out = tmp_path / f"{name}.txt"
        command = [uv, "export", "--frozen", "--no-emit-project", "--format", "requirements-txt", "--quiet"]
        command += [arg for extra in extras for arg in ("--extra", extra)]
        subprocess.run([*command, "-o", str(out)], cwd=ROOT, check=True, timeout=60)
        assert locked(name) == _pins(out), f"locks/{name}.txt is stale: run bash scripts/lock.sh"


def _pins(path: Path) -> dict[str, str]:
    return {
        _normal(m[1]): m[2]
        for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", path.read_text(), re.MULTILINE)
    }

"""``--config`` before or after the command: both reach the command, for ``kiosk`` and ``kiosk-central``.

A subcommand's own ``--config`` default once overwrote the value given before the command, so
``kiosk --config /etc/kiosk.toml run`` silently ran the embedded demo configuration.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from central import cli as central_cli
from kiosk import cli as kiosk_cli


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _required_args(parser: argparse.ArgumentParser) -> list[str]:
    """Dummy values for the positionals and required options of one (leaf) command."""
    args: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.dest == "help":
            continue
        value = _value(action)
        if not action.option_strings and action.nargs is None:
            args.append(value)
        elif action.option_strings and action.required:
            args += [action.option_strings[0], value]
    for group in parser._mutually_exclusive_groups:  # e.g. --phone | --email: one of them is required
        if group.required:
            first = group._group_actions[0]
            args += [first.option_strings[0], _value(first)]
    return args


def _value(action: argparse.Action) -> str:
    if action.choices:
        return str(next(iter(action.choices)))
    return "1" if action.type is int else "x"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """Every command path down to a leaf, with its required arguments filled in."""
    children = _subparsers(parser)
    if path and not children:
        yield [*path, *_required_args(parser)]
    for name, child in children.items():
        yield from _commands(child, (*path, name))


KIOSK = list(_commands(kiosk_cli.build_parser()))
CENTRAL = list(_commands(central_cli.build_parser()))


def test_the_walk_finds_the_commands() -> None:
    assert ["run"] in KIOSK
    assert ["config", "show"] in KIOSK
    assert any(command[:2] == ["staff", "add"] for command in KIOSK)
    assert ["serve"] in CENTRAL
    assert any(command[:2] == ["kiosks", "add"] for command in CENTRAL)


@pytest.mark.parametrize("command", KIOSK, ids=" ".join)
def test_kiosk_every_command_takes_config_in_both_positions(command: list[str]) -> None:
    parser = kiosk_cli.build_parser()
    assert parser.parse_args(["--config", "/etc/before.toml", *command]).config == "/etc/before.toml"
    assert parser.parse_args([*command, "--config", "/etc/after.toml"]).config == "/etc/after.toml"
    assert parser.parse_args(command).config is None


@pytest.mark.parametrize("command", CENTRAL, ids=" ".join)
def test_central_every_command_takes_config_in_both_positions(command: list[str]) -> None:
    parser = central_cli.build_parser()
    assert parser.parse_args(["--config", "/etc/before.toml", *command]).config == "/etc/before.toml"
    assert parser.parse_args([*command, "--config", "/etc/after.toml"]).config == "/etc/after.toml"
    assert parser.parse_args(command).config is None


def _kiosk_file(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[kiosk]\nid = "K-FROM-FILE"\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_kiosk_config_show_reads_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], before: bool
) -> None:
    path = str(_kiosk_file(tmp_path))
    argv = ["--config", path, "config", "show"] if before else ["config", "show", "--config", path]
    assert kiosk_cli.main(argv) == 0
    out = capsys.readouterr().out
    assert f"# effective configuration from {path}" in out
    assert 'id = "K-FROM-FILE"' in out


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_kiosk_run_gets_the_file_not_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: bool
) -> None:
    import screens.launcher

    started: list[str] = []
    monkeypatch.setattr(
        screens.launcher, "run_app", lambda config, **_options: started.append(config.kiosk.id) or 0
    )
    path = str(_kiosk_file(tmp_path))
    argv = ["--config", path, "run"] if before else ["run", "--config", path]
    assert kiosk_cli.main(argv) == 0
    assert started == ["K-FROM-FILE"]


def test_kiosk_bad_file_before_the_command_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[ui]\nwidht = 3\n", encoding="utf-8")
    assert kiosk_cli.main(["--config", str(path), "config", "check"]) == 2
    assert "ui.widht" in capsys.readouterr().err


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_central_nested_command_reads_the_file(tmp_path: Path, before: bool) -> None:
    db = tmp_path / "from-config.db"
    path = tmp_path / "central.toml"
    path.write_text(f'[server]\ndb = "{db}"\n', encoding="utf-8")
    command = ["kiosks", "add", "K-9", "--center", "C01"]
    argv = ["--config", str(path), *command] if before else [*command, "--config", str(path)]
    assert central_cli.main(["--config", str(path), "seed-demo"]) == 0
    assert central_cli.main(argv) == 0
    assert db.exists()

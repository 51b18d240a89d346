"""The configuration file: defaults, strictness, one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kiosk.config import load
from service_common.tomlconfig import ConfigError, to_toml
from tests.conftest import venv_bin


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_embedded_defaults_run_a_demo_kiosk() -> None:
    cfg = load(None, {})
    assert cfg.kiosk.id
    assert cfg.kiosk.center_id
    assert cfg.devices.printer == "sim:"
    assert cfg.ui.default_language in cfg.ui.languages
    assert str(cfg.tz) == "Europe/Moscow"


def test_file_values_and_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[kiosk]\nid = "K-7"\ncenter_id = "C02"\n[devices]\nprinter = "tcp://10.0.0.5:9100?profile=TM-T20II"\n'
        '[ui]\ndefault_language = "zh-Hant"\nwidth = 1920\nheight = 1080\n[idle]\nwarning_after_s = 45\n',
    )
    cfg = load(None, {"KIOSK_CONFIG": str(path), "KIOSK_DATA_DIR": str(tmp_path / "data")})
    assert cfg.kiosk.id == "K-7"
    assert cfg.idle.warning_after_s == 45.0
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.source == str(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[ui]\nwidht = 3\n", "ui.widht: unknown key"),
        ("colour = 1\n", "colour: unknown key"),
        ('[ui]\nwidth = "wide"\n', "ui.width: expected an integer, got a string"),
        ("[ui]\nfullscreen = 1\n", "ui.fullscreen: expected true or false, got an integer"),
        ("[idle]\ncountdown_s = true\n", "idle.countdown_s: expected a number, got a boolean"),
        ('[devices]\nprinter = "lpt:1"\n', "devices.printer: unknown scheme 'lpt'"),
        ('[devices]\nprinter = "tcp://host:99999"\n', "port must be 1-65535"),
        ('[devices]\ncard_reader = "usb://1:2"\n', "devices.card_reader: unknown scheme 'usb'"),
        ('[ui]\nlanguages = ["ru", "fr"]\n', "ui.languages: unsupported 'fr'"),
        ('[ui]\nlanguages = ["en"]\n', "ui.default_language: 'ru' is not in ui.languages"),
        ('[kiosk]\ntimezone = "Mars/Olympus"\n', "kiosk.timezone: unknown time zone"),
        ('[central]\nurl = "ftp://x"\n', "central.url: expected an http"),
        ("[ui\n", "not valid TOML"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path, {})
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    assert expected in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load(tmp_path / "nope.toml", {})


def test_round_trip_through_toml(tmp_path: Path) -> None:
    cfg = load(None, {})
    cfg.kiosk.id = "K-ROUND"
    again = load(write(tmp_path, to_toml(cfg)), {})
    assert again.kiosk == cfg.kiosk
    assert again.ui == cfg.ui


@pytest.mark.parametrize(
    "command",
    [["config", "check"], ["screenshot", "--out", "x.png"], ["doctor"], ["run"]],
)
def test_every_command_exits_2_with_one_line(tmp_path: Path, command: list[str]) -> None:
    path = write(tmp_path, "[ui]\nwidht = 3\n")
    done = subprocess.run(
        [venv_bin("kiosk"), *command, "--config", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "ui.widht" in lines[0]
    assert str(path) in lines[0]


def test_kiosk_config_environment_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nwidth = 7\n")
    done = subprocess.run(
        [venv_bin("kiosk"), "config", "check"],
        capture_output=True,
        text=True,
        env={"KIOSK_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "ui.width: 320 to 8192 pixels" in done.stderr


def test_config_show_hides_the_token(tmp_path: Path) -> None:
    path = write(tmp_path, '[central]\ntoken = "secret-token-value"\n')
    done = subprocess.run(
        [venv_bin("kiosk"), "config", "show", "--config", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "secret-token-value" not in done.stdout
    assert 'token = "********"' in done.stdout


def test_help_lists_commands() -> None:
    kiosk = subprocess.run([venv_bin("kiosk"), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("run", "demo", "screenshot", "config", "doctor"):
        assert command in kiosk
    central = subprocess.run(
        [venv_bin("kiosk-central"), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("serve", "migrate", "kiosks", "seed-demo", "openapi"):
        assert command in central

"""The central's TOML file: defaults, overrides by flags, and one-line errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from central import cli, config


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ENV_VAR, raising=False)


def test_defaults() -> None:
    cfg = config.load()
    assert (cfg.server.host, cfg.server.port, cfg.server.db) == ("127.0.0.1", 8470, "./central.db")
    assert cfg.server.log_level == "INFO"
    assert str(cfg.tz) == "Europe/Moscow"


def test_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "central.toml"
    path.write_text('[server]\nport = 9000\ntimezone = "Asia/Taipei"\n', encoding="utf-8")
    cfg = config.load(path)
    assert (cfg.server.port, cfg.server.host, cfg.server.timezone) == (9000, "127.0.0.1", "Asia/Taipei")
    monkeypatch.setenv(config.ENV_VAR, str(path))
    assert config.load().server.port == 9000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[server]\nprot = 1\n", "server.prot: unknown key"),
        ('[server]\nport = "8470"\n', "server.port: expected an integer, got a string"),
        ("[server]\nport = 70000\n", "server.port: a port number from 0 to 65535"),
        ('[server]\ntimezone = "Mars/Olympus"\n', "server.timezone: unknown time zone"),
        ('[server]\nlog_level = "LOUD"\n', "server.log_level: DEBUG, INFO, WARNING, ERROR"),
        ("[server\n", "not valid TOML"),
    ],
)
def test_bad_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "central.toml"
    path.write_text(text, encoding="utf-8")
    for argv in (["--config", str(path), "migrate"], ["migrate", "--config", str(path)]):
        assert cli.main(argv) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith(f"{path}: ")
        assert expected in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.toml"
    assert cli.main(["kiosks", "list", "--config", str(path)]) == 2
    assert capsys.readouterr().err == f"{path}: file not found\n"


def test_db_from_config_and_flag_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from_config, from_flag = tmp_path / "from-config.db", tmp_path / "from-flag.db"
    path = tmp_path / "central.toml"
    path.write_text(f'[server]\ndb = "{from_config}"\n', encoding="utf-8")
    assert cli.main(["--config", str(path), "migrate"]) == 0
    assert from_config.exists()
    assert cli.main(["migrate", "--config", str(path), "--db", str(from_flag)]) == 0
    assert from_flag.exists()
    capsys.readouterr()

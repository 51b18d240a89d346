"""``[queue]`` and ``server.public_url`` in the central's TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from central import cli, config


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ENV_VAR, raising=False)


def test_defaults() -> None:
    cfg = config.load()
    assert cfg.server.public_url == ""
    rules = cfg.queue.settings()
    assert rules.default_service_min == 5
    assert (rules.service_samples, rules.min_samples, rules.board_calls) == (10, 3, 8)
    assert dict(rules.bonus_min) == {
        "none": 0,
        "disability": 15,
        "pregnancy": 15,
        "veteran": 15,
        "appointment": 20,
    }
    assert rules.bonus_max == 20


def test_file(tmp_path: Path) -> None:
    path = tmp_path / "central.toml"
    path.write_text(
        '[server]\npublic_url = "https://queue.example.bank"\n'
        "[queue]\ndefault_service_min = 7.5\nstaff_idle_min = 10\n"
        "[queue.bonus_min]\nveteran = 30\n",
        encoding="utf-8",
    )
    cfg = config.load(path)
    assert cfg.server.public_url == "https://queue.example.bank"
    rules = cfg.queue.settings()
    assert (rules.default_service_min, rules.staff_idle_min) == (7.5, 10)
    assert rules.bonus("veteran") == 30
    assert rules.bonus("appointment") == 20
    assert rules.bonus("none") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[server]\npublic_url = "queue.example"\n', "server.public_url: an http:// or https:// URL"),
        ('[server]\npublic_url = "https://q.example/"\n', "without a trailing slash"),
        ("[queue]\ndefault_service_min = 0\n", "queue.default_service_min: a number of at least 0.1"),
        ("[queue]\nmin_samples = 0\n", "queue.min_samples: a number of at least 1"),
        ("[queue.bonus_min]\nvip = 5\n", "queue.bonus_min.vip: unknown key"),
        ("[queue.bonus_min]\nnone = 5\n", "queue.bonus_min.none: unknown key"),
        ("[queue.bonus_min]\nveteran = -1\n", "queue.bonus_min.veteran: a number of at least 0"),
    ],
)
def test_bad_values_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "central.toml"
    path.write_text(text, encoding="utf-8")
    assert cli.main(["--config", str(path), "migrate"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert expected in err

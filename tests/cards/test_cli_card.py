"""``kiosk devices list`` and ``kiosk devices card-read`` with the simulated reader (pcscd: see test_zz_*)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main


def write_config(tmp_path: Path, card_reader: str = "sim:") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n[devices]\ncard_reader = "{card_reader}"\n'
        '[logging]\nlevel = "DEBUG"\n',
        encoding="utf-8",
    )
    return path


def test_list_json_names_every_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "list", "--json", "--config", str(write_config(tmp_path, "sim:?card=visa"))]) == 0
    out = json.loads(capsys.readouterr().out)
    (reader,) = out["card_reader"]["readers"]
    assert reader == {"name": "Simulated Card Reader 00", "state": "card", "atr": reader["atr"]}
    assert reader["atr"].startswith("3B")
    assert out["printer"]["state"] == "ok"
    assert out["scanner"]["state"] == "connected"


def test_card_read_prints_only_the_masked_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path))
    args = ["devices", "card-read", "--card-reader", "sim:?card=mastercard", "--json", "--config", config]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {
        "pan_masked": "555555******4444", "expiry": "2028-12", "label": "MASTERCARD", "aid": "A0000000041010",
    }  # fmt: skip
    assert "5555555555554444" not in out
    assert "IVANOVA" not in out


def test_card_read_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path))
    assert main(["devices", "card-read", "--json", "--config", config]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "no_card"
    assert main(["devices", "card-read", "--card-reader", "sim:?card=magstripe", "--config", config]) == 1
    assert "mag_stripe_only" in capsys.readouterr().err
    assert main(["devices", "card-read", "--card-reader", "lpt:1", "--config", config]) == 2


def test_doctor_checks_the_card_reader_and_the_token_key(tmp_path: Path) -> None:
    from kiosk.config import load
    from kiosk.doctor import Problem, check_card_reader

    config = load(write_config(tmp_path, "sim:?card=visa"), {})
    assert (
        check_card_reader(config) == "Simulated Card Reader 00 (card) via sim:?card=visa; the demo token key"
    )
    config.card.token_key_file = str(tmp_path / "missing.key")
    with pytest.raises(Problem, match=r"card\.token_key_file"):
        check_card_reader(config)

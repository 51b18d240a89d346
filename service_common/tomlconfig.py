"""Strict TOML-to-dataclass loading shared by the kiosk and central configurations.

A bank's technician edits these files by hand on a kiosk: a typo must stop the
program with one line naming the file and the key, never be silently ignored.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

EXIT_CONFIG_ERROR = 2


class ConfigError(Exception):
    """A configuration problem, rendered as one line: ``file: key: problem``."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + problem)


Validator = Callable[[Any], str | None]


def check(validator: Validator) -> dict[str, Validator]:
    """Field metadata: ``field(default=..., metadata=check(fn))``; fn returns an error text or None."""
    return {"check": validator}


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def timezone_check(value: object) -> str | None:
    """Field check for an IANA time zone name (both the kiosk and central have one)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (expected an IANA name such as Europe/Moscow)"
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _convert(tp: Any, value: Any, source: str, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, source, key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(source, key, f"expected a table, got {_describe(value)}")
        return _build(typing.cast(type, tp), value, source, key + ".")
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(source, key, f"expected a list, got {_describe(value)}")
        return [_convert(item_tp, v, source, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _, val_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(source, key, f"expected a table, got {_describe(value)}")
        return {str(k): _convert(val_tp, v, source, f"{key}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(source, key, f"expected a number, got {_describe(value)}")
        return float(value)
    if tp in (int, str, bool):
        if isinstance(value, bool) != (tp is bool) or not isinstance(value, tp):
            raise ConfigError(source, key, f"expected {_TYPE_NAMES[tp]}, got {_describe(value)}")
        return value
    raise TypeError(f"unsupported config type {tp!r} for {key}")


def _build(cls: type[T], data: Mapping[str, Any], source: str, prefix: str = "") -> T:
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    for name in data:
        if name not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(source, prefix + name, f"unknown key (known here: {known})")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in data:
            continue
        key = prefix + name
        value = _convert(hints[name], data[name], source, key)
        validator = f.metadata.get("check")
        if validator is not None:
            problem = validator(value)
            if problem:
                raise ConfigError(source, key, problem)
        kwargs[name] = value
    return cls(**kwargs)


def from_mapping(cls: type[T], data: Mapping[str, Any], source: str = "<config>") -> T:
    """Build ``cls`` from an already parsed mapping, with the same strictness as a file."""
    return _build(cls, data, source)


def load_file(cls: type[T], path: Path) -> T:
    """Parse and validate one TOML file into ``cls``; every failure is a ConfigError."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(source, "", "not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None
    return _build(cls, data, source)


def to_toml(obj: Any) -> str:
    """Render a config dataclass back to TOML (for ``kiosk config show`` and the demo)."""
    lines: list[str] = []
    _emit(obj, "", lines)
    return "\n".join(lines).strip() + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if value is None:
        return '""'
    raise TypeError(type(value))


def _emit(obj: Any, table: str, lines: list[str]) -> None:
    scalars: list[str] = []
    tables: list[tuple[str, Any]] = []
    for f in dataclasses.fields(obj):
        if f.metadata.get("internal"):
            continue
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value) or isinstance(value, dict):
            tables.append((f.name, value))
        elif value is not None:
            scalars.append(f"{f.name} = {_toml_value(value)}")
    if scalars:
        if table:
            lines.append(f"[{table}]")
        lines.extend(scalars)
        lines.append("")
    for name, value in tables:
        sub = f"{table}.{name}" if table else name
        if isinstance(value, dict):
            lines.append(f"[{sub}]")
            lines.extend(f'"{k}" = {_toml_value(v)}' for k, v in value.items())
            lines.append("")
        else:
            _emit(value, sub, lines)

"""Receipt templates: TOML files in assets/receipts/ that list blocks and carry their words per language.

Why data: the ticket's wording and order change without code, every language sits next to the others in
one file (a missing translation fails the load, not the print), and statements, appeals and appointment
confirmations will reuse the same blocks.

A block is a ``[[block]]`` table::

    type = "text" | "kv" | "separator" | "big" | "qr" | "image" | "feed" | "cut" | "rows"
    text = "note"            # a message key in [text.<lang>]; "priority.{priority}" picks one by a field
    field = "center_name"    # or: a field's value as it is
    label = "ahead"          # kv: the message key of the left side
    when = "people_ahead"    # print only if the field is set (not None, False, "" or "none"); unless = ...
    fallback = "priority.other"   # message key when the one built from a field is missing
    align, bold, size, invert, char, module, path, max_width_mm, lines, partial   # per type

A ``rows`` block repeats: its field is a list whose items are ``(key, value)`` pairs (printed as kv lines)
or strings (printed bold and centered, e.g. a page heading): a statement's operations.

Messages may hold ``{field}`` placeholders (plain names only).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from devices.receipts.layout import asset_path
from devices.receipts.model import (
    QR,
    Align,
    BigNumber,
    Block,
    Cut,
    Feed,
    KeyValue,
    Picture,
    Receipt,
    Separator,
    Text,
)
from service_common.i18n import SUPPORTED_LANGUAGES
from service_common.paths import ASSETS

RECEIPTS_DIR = ASSETS / "receipts"
BUILT = ("ticket", "appointment", "statement", "card_block", "appeal")
NOT_BUILT: tuple[str, ...] = ()

_COMMON = {"type", "when", "unless"}
_KEYS: dict[str, set[str]] = {
    "text": {"text", "field", "fallback", "align", "bold", "size", "invert"},
    "kv": {"label", "text", "field", "fallback", "bold"},
    "separator": {"char"},
    "big": {"text", "field", "size"},
    "qr": {"text", "field", "module"},
    "image": {"path", "max_width_mm"},
    "feed": {"lines"},
    "cut": {"partial"},
    "rows": {"field"},
}
_ALIGNS = ("left", "center", "right")


class TemplateError(ValueError):
    """A template file is wrong, or a receipt asks for a field it was not given."""


class NotBuiltError(TemplateError):
    """A receipt kind that is planned but has no template yet."""


@dataclass(frozen=True)
class Template:
    kind: str
    path: Path
    blocks: tuple[Mapping[str, Any], ...]
    texts: Mapping[str, Mapping[str, Any]]  # language -> (nested) messages


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def _placeholders(text: str, where: str) -> list[str]:
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: {exc} in {text!r}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"{where}: placeholder {{{name}}} must be a plain field name")
        names.append(name)
    return names


def _check(kind: str, path: Path, data: Mapping[str, Any]) -> Template:
    where = str(path)
    if data.get("kind") != kind:
        raise TemplateError(f"{where}: kind = {data.get('kind')!r}, expected {kind!r}")
    texts = data.get("text")
    if not isinstance(texts, dict):
        raise TemplateError(f"{where}: no [text.<language>] tables")
    missing_langs = [lang for lang in SUPPORTED_LANGUAGES if lang not in texts]
    if missing_langs:
        raise TemplateError(f"{where}: no [text.{missing_langs[0]}] table")
    flat = {lang: _flatten(texts[lang]) for lang in texts}
    reference = set(flat["en"])
    for lang, messages in flat.items():
        if set(messages) != reference:
            diff = sorted(reference ^ set(messages))
            raise TemplateError(f"{where}: [text.{lang}] and [text.en] differ in: {', '.join(diff)}")
        for key, message in messages.items():
            _placeholders(message, f"{where} [text.{lang}] {key}")
    blocks = data.get("block")
    if not isinstance(blocks, list) or not blocks:
        raise TemplateError(f"{where}: no [[block]] tables")
    for i, block in enumerate(blocks, 1):
        btype = block.get("type")
        if btype not in _KEYS:
            raise TemplateError(f"{where}: block {i}: type {btype!r}; expected one of {', '.join(_KEYS)}")
        unknown = set(block) - _COMMON - _KEYS[btype]
        if unknown:
            raise TemplateError(f"{where}: block {i} ({btype}): unknown key {sorted(unknown)[0]!r}")
        if block.get("align", "left") not in _ALIGNS:
            raise TemplateError(f"{where}: block {i}: align must be left, center or right")
        for ref in ("text", "label", "fallback"):
            key = block.get(ref)
            if isinstance(key, str) and "{" not in key and key not in reference:
                raise TemplateError(f"{where}: block {i}: no message {key!r} in [text.*]")
    return Template(kind, path, tuple(blocks), texts)


@lru_cache(maxsize=16)
def _load_cached(kind: str, directory: Path, mtime_ns: int) -> Template:
    path = directory / f"{kind}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path}: {exc}") from None
    return _check(kind, path, data)


def load(kind: str, directory: Path = RECEIPTS_DIR) -> Template:
    """The template of a receipt kind, checked; re-read when the file changes."""
    if kind in NOT_BUILT:
        raise NotBuiltError(f"the {kind} receipt is not built yet; only {', '.join(BUILT)} can be printed")
    path = directory / f"{kind}.toml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise TemplateError(f"no template for {kind!r} ({path} is missing)") from None
    return _load_cached(kind, directory, mtime)


def _is_set(value: object) -> bool:
    return value is not None and value is not False and value != "" and value != "none"


class _Filler:
    def __init__(self, template: Template, lang: str, fields: Mapping[str, object]) -> None:
        self.template = template
        self.lang = lang if lang in template.texts else "en"
        self.messages = _flatten(template.texts[self.lang])
        self.fields = fields

    def fill(self, text: str, where: str) -> str:
        values = {}
        for name in _placeholders(text, where):
            if name not in self.fields:
                raise TemplateError(f"{where}: no value for {{{name}}}")
            value = self.fields[name]
            values[name] = "" if value is None else str(value)
        return text.format_map(values)

    def message(self, key: str, fallback: str | None, where: str) -> str:
        resolved = self.fill(key, where)
        if resolved not in self.messages:
            if fallback is None or fallback not in self.messages:
                raise TemplateError(f"{where}: no message {resolved!r} in [text.{self.lang}]")
            resolved = fallback
        return self.fill(self.messages[resolved], f"{where} [text.{self.lang}] {resolved}")

    def value(self, block: Mapping[str, Any], where: str) -> str:
        if "text" in block:
            return self.message(str(block["text"]), block.get("fallback"), where)
        if "field" in block:
            name = str(block["field"])
            if name not in self.fields:
                raise TemplateError(f"{where}: no value for field {name!r}")
            value = self.fields[name]
            return "" if value is None else str(value)
        raise TemplateError(f"{where}: needs 'text' or 'field'")


def _rows(value: object, where: str) -> list[Block]:
    if not isinstance(value, list | tuple):
        raise TemplateError(f"{where}: a rows field must be a list")
    out: list[Block] = []
    for item in value:
        if isinstance(item, str):
            out.append(Text(item, align="center", bold=True))
        else:
            key, val = item
            out.append(KeyValue(str(key), str(val)))
    return out


def build(template: Template, lang: str, fields: Mapping[str, object], *, label: str = "") -> Receipt:
    """Fill a template for one language; blocks whose ``when`` field is unset are left out."""
    filler = _Filler(template, lang, fields)
    blocks: list[Block] = []
    for i, spec in enumerate(template.blocks, 1):
        where = f"{template.path.name} block {i}"
        if "when" in spec and not _is_set(fields.get(str(spec["when"]))):
            continue
        if "unless" in spec and _is_set(fields.get(str(spec["unless"]))):
            continue
        btype = spec["type"]
        align: Align = spec.get("align", "left")
        if btype == "text":
            text = filler.value(spec, where)
            bold, size, invert = (
                bool(spec.get("bold", False)),
                int(spec.get("size", 1)),
                bool(spec.get("invert", False)),
            )
            blocks.append(Text(text, align=align, bold=bold, size=size, invert=invert))
        elif btype == "kv":
            key = filler.message(str(spec["label"]), None, where)
            blocks.append(KeyValue(key, filler.value(spec, where), bold_value=bool(spec.get("bold", False))))
        elif btype == "separator":
            blocks.append(Separator(str(spec.get("char", "-"))))
        elif btype == "big":
            blocks.append(BigNumber(filler.value(spec, where), size=int(spec.get("size", 4))))
        elif btype == "qr":
            blocks.append(QR(filler.value(spec, where), module_dots=int(spec.get("module", 0))))
        elif btype == "image":
            path = asset_path(str(spec["path"]), template.path.parent)
            blocks.append(Picture(path, max_width_mm=float(spec.get("max_width_mm", 0))))
        elif btype == "feed":
            blocks.append(Feed(int(spec.get("lines", 1))))
        elif btype == "cut":
            blocks.append(Cut(partial=bool(spec.get("partial", True))))
        elif btype == "rows":
            blocks.extend(_rows(fields.get(str(spec["field"])), where))
    return Receipt(kind=template.kind, lang=filler.lang, blocks=tuple(blocks), label=label or template.kind)

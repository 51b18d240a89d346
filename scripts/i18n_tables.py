"""The translations kept outside the gettext catalogs, checked the way the catalogs are.

Some texts cannot live in gettext: receipt words sit next to the receipt's layout in TOML
(assets/receipts), central's pages and reminders carry per-language dicts (central/), and the staff
pages' JavaScript carries its own tables (central/static). Each is a *language table*: a mapping
from ru / zh-Hant / en to a text, or to a set of keyed texts. Every table found must have:

- every language, and in each language the same keys;
- no empty text;
- the same ``{placeholders}`` in every language of a key.

``python scripts/i18n.py check`` runs this after the catalog check; each problem names the file,
the line, the table and the key.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGS = ("ru", "zh-Hant", "en")
PY_SOURCES = ("central", "kiosk", "screens", "devices", "service_common", "server_sync", "offline_cache")
TOML_SOURCES = ("assets/receipts",)
JS_SOURCES = ("central/static",)
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][\w.]*)\}(?!\})")


@dataclass(frozen=True)
class Table:
    """One language table: ``texts[lang][key]``; a flat table has the one key ``""``."""

    where: str
    texts: Mapping[str, Mapping[str, str]]


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check(table: Table) -> list[str]:
    """Every problem of one table, as lines naming it."""
    problems = [f"{table.where}: no {lang} texts" for lang in LANGS if lang not in table.texts]
    present = [lang for lang in LANGS if lang in table.texts]
    keys = sorted({key for lang in present for key in table.texts[lang]})
    for key in keys:
        name = f" {key!r}" if key else ""
        found: dict[str, set[str]] = {}
        for lang in present:
            text = table.texts[lang].get(key)
            if text is None:
                problems.append(f"{table.where}:{name} missing in {lang}")
            elif not text.strip():
                problems.append(f"{table.where}:{name} empty in {lang}")
            else:
                found[lang] = placeholders(text)
        if len({frozenset(names) for names in found.values()}) > 1:
            sets = ", ".join(f"{lang} {sorted(names)}" for lang, names in found.items())
            problems.append(f"{table.where}:{name} placeholders differ: {sets}")
    return problems


# ----- Python: dict literals keyed by language -----


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _lang_keys(node: ast.Dict) -> list[str] | None:
    keys = [_string(k) for k in node.keys]
    if any(k is None for k in keys):
        return None
    langs = [k for k in keys if k is not None]
    return langs if len(langs) >= 2 and set(langs) <= set(LANGS) else None


def _texts(value: ast.AST) -> dict[str, str] | None:
    """The texts of one language: a string, a tuple of strings, or a dict of key → string."""
    text = _string(value)
    if text is not None:
        return {"": text}
    if isinstance(value, ast.Tuple):
        items = [_string(e) for e in value.elts]
        return {str(i): t for i, t in enumerate(items) if t is not None}
    if isinstance(value, ast.Dict):
        out: dict[str, str] = {}
        for k, v in zip(value.keys, value.values, strict=True):
            key, text = _string(k), _string(v)
            if key is not None and text is not None:
                out[key] = text
        return out
    return None


def _names(tree: ast.AST) -> dict[int, str]:
    """The assigned name of each dict literal, by id, so a problem names ``TEXT`` not a line only."""
    names: dict[int, str] = {}
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        label = next((t.id for t in targets if isinstance(t, ast.Name)), "")
        for inner in ast.walk(value):
            names.setdefault(id(inner), label)
    return names


def python_tables(path: Path, rel: str) -> Iterator[Table]:
    tree = ast.parse(path.read_text(encoding="utf-8"), rel)
    names = _names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict) or _lang_keys(node) is None:
            continue
        texts = {_string(k) or "": _texts(v) for k, v in zip(node.keys, node.values, strict=True)}
        if any(t is None for t in texts.values()):
            continue  # not texts (e.g. numbers per language)
        label = names.get(id(node), "")
        yield Table(
            f"{rel}:{node.lineno} {label}".rstrip(), {k: v for k, v in texts.items() if v is not None}
        )


# ----- TOML receipts: [text.<lang>] tables -----


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def toml_tables(path: Path, rel: str) -> Iterator[Table]:
    texts = tomllib.loads(path.read_text(encoding="utf-8")).get("text", {})
    if isinstance(texts, Mapping) and texts:
        yield Table(
            f"{rel} [text]", {lang: _flatten(t) for lang, t in texts.items() if isinstance(t, Mapping)}
        )


# ----- JavaScript: object literals keyed by language -----


def _blank(text: str, strings: bool = True) -> str:
    """``text`` with comments (and strings) turned to spaces, so brackets and commas can be counted
    by index without being fooled by a "{" inside a text."""
    out = list(text)
    i = 0
    while i < len(text):
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
        elif text[i] in "\"'`":
            end = i + 1
            while text[end] != text[i]:
                end += 2 if text[end] == "\\" else 1
            end += 1
        else:
            i += 1
            continue
        if strings or text[i] not in "\"'`":
            out[i:end] = " " * (end - i)
        i = end
    return "".join(out)


def _close(text: str, open_at: int) -> int:
    """Index of the bracket closing the one at ``open_at``."""
    depth = 0
    for index, ch in enumerate(_blank(text[open_at:]), open_at):
        depth += (ch in "{[(") - (ch in "}])")
        if depth == 0:
            return index
    raise ValueError(f"unbalanced bracket at {open_at}")


_KEY = re.compile(r"""(?:"([^"]*)"|'([^']*)'|([A-Za-z_$][\w$]*))\s*:\s*""")


def _entries(body: str) -> dict[str, str]:
    """Top-level ``key: value`` entries of an object literal's body (between its braces)."""
    blank, comments, out, start, depth = _blank(body), _blank(body, strings=False), {}, 0, 0
    for index, ch in enumerate(blank + ","):
        depth += (ch in "{[(") - (ch in "}])")
        if ch == "," and depth == 0:
            first = index - len(comments[start:index].lstrip())  # past spaces and comments
            match = _KEY.match(body, first)
            if match:
                key = next(g for g in match.groups() if g is not None)
                out[key] = body[match.end() : index].strip()
            start = index + 1
    return out


def _js_string(raw: str) -> str | None:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        if raw[0] == "'":
            inner = inner.replace("\\'", "'").replace('"', '\\"')
        value: str = json.loads(f'"{inner}"')
        return value
    return None


def js_tables(path: Path, rel: str) -> Iterator[Table]:
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*\{", text):
        open_at = match.end() - 1
        entries = _entries(text[open_at + 1 : _close(text, open_at)])
        if len(entries) < 2 or not set(entries) <= set(LANGS):
            continue
        texts: dict[str, dict[str, str]] = {}
        for lang, raw in entries.items():
            inner = _entries(raw[1:-1]) if raw.startswith("{") else {"": raw}
            texts[lang] = {k: s for k, v in inner.items() if (s := _js_string(v)) is not None}
        line = text.count("\n", 0, match.start()) + 1
        yield Table(f"{rel}:{line} {match.group(1)}", texts)


def tables(root: Path) -> list[Table]:
    found: list[Table] = []
    for base in PY_SOURCES:
        for path in sorted((root / base).rglob("*.py")):
            found += python_tables(path, str(path.relative_to(root)))
    for base in TOML_SOURCES:
        for path in sorted((root / base).rglob("*.toml")):
            found += toml_tables(path, str(path.relative_to(root)))
    for base in JS_SOURCES:
        for path in sorted((root / base).rglob("*.js")):
            found += js_tables(path, str(path.relative_to(root)))
    return found


_USES = re.compile(r"""data-t="([\w.]+)"|\bt\(\s*["']([\w.]+)["']\s*\)""")
_SCRIPT = re.compile(r'<script[^>]*\ssrc="/static/([\w.-]+\.js)"')


def unknown_keys(root: Path) -> list[str]:
    """Keys a staff page asks for (``data-t="key"``, ``t("key")``) that none of its scripts' tables has:
    the page would show the bare key."""
    out: list[str] = []
    for base in JS_SOURCES:
        for page in sorted((root / base).glob("*.html")):
            html = page.read_text(encoding="utf-8")
            scripts = [page.parent / name for name in _SCRIPT.findall(html)]
            known = {
                key
                for script in scripts
                if script.exists()
                for table in js_tables(script, script.name)
                for texts in table.texts.values()
                for key in texts
            }
            sources = [(page, html)] + [(s, s.read_text(encoding="utf-8")) for s in scripts if s.exists()]
            for path, text in sources:
                for match in _USES.finditer(text):
                    key = match.group(1) or match.group(2)
                    if key not in known:
                        line = text.count("\n", 0, match.start()) + 1
                        out.append(
                            f"{path.relative_to(root)}:{line}: {key!r} is in no text table of {page.name}"
                        )
    return out


def problems(root: Path) -> list[str]:
    return [line for table in tables(root) for line in check(table)] + unknown_keys(root)

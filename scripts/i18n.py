"""Message catalogs: extract the English msgids from Python and kv files, update the .po files, compile.

python scripts/i18n.py extract   # assets/locale/kiosk.pot from the sources
python scripts/i18n.py update    # merge the template into every language's .po
python scripts/i18n.py compile   # .po -> .mo (the set-up runs this)
python scripts/i18n.py check     # exit 1 if a msgid is untranslated in any language, a translation
                                 # changes the {placeholders}, or a table outside gettext (receipt
                                 # TOML, central's dicts, the staff pages' JavaScript) is incomplete
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import i18n_tables  # scripts/ is on the path: run as a script, or put there by the tests
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "assets" / "locale"
SOURCES = ["kiosk", "screens", "devices", "assets/kv"]
LANGS = {"ru": "ru", "zh_Hant": "zh-Hant", "en": "en"}
# tr._("..."), _("..."), N_("..."), gettext("..."), ngettext("...", "...", n)
_CALL = re.compile(
    r"""(?:(?<![\w.])_|(?<![\w.])N_|\btr\._|\bgettext|\bself\._)\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*[,)]"""
)
_NCALL = re.compile(
    r"""ngettext\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*,\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
)


_NAMES = {"_", "N_", "gettext"}
_PLURALS = {"ngettext"}


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):  # self._, tr._, tr.gettext, translator.ngettext
        return func.attr
    return ""


def _python_messages(path: Path) -> list[tuple[str | tuple[str, str], int]]:
    """Calls found by the parser, so a call wrapped over lines (ruff format does that) is not missed."""
    out: list[tuple[str | tuple[str, str], int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name, args = _callee(node), node.args
        strings = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name in _PLURALS and len(strings) >= 2 and all(isinstance(a, ast.Constant) for a in args[:2]):
            out.append(((strings[0], strings[1]), node.lineno))
        elif name in _NAMES and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            out.append((args[0].value, node.lineno))
    return out


def messages() -> dict[str | tuple[str, str], list[tuple[str, int]]]:
    found: dict[str | tuple[str, str], list[tuple[str, int]]] = {}
    for base in SOURCES:
        for path in sorted((ROOT / base).rglob("*")):
            rel = str(path.relative_to(ROOT))
            if path.suffix == ".py":
                for key, lineno in _python_messages(path):
                    found.setdefault(key, []).append((rel, lineno))
                continue
            if path.suffix != ".kv":
                continue
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                where = (rel, lineno)
                for match in _NCALL.finditer(line):
                    key = (ast.literal_eval(match.group(1)), ast.literal_eval(match.group(2)))
                    found.setdefault(key, []).append(where)
                for match in _CALL.finditer(line):
                    found.setdefault(ast.literal_eval(match.group(1)), []).append(where)
    return found


def template() -> Catalog:
    catalog = Catalog(project="service-kiosk", charset="utf-8")
    for msgid, locations in messages().items():
        catalog.add(msgid, locations=locations)
    return catalog


def _po(folder: str) -> Path:
    return LOCALE / folder / "LC_MESSAGES" / "kiosk.po"


def update() -> None:
    tmpl = template()
    LOCALE.mkdir(parents=True, exist_ok=True)
    with (LOCALE / "kiosk.pot").open("wb") as fh:
        write_po(fh, tmpl, omit_header=True, sort_output=True)
    for folder, tag in LANGS.items():
        path = _po(folder)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=folder)
        else:
            catalog = Catalog(locale=folder, project="service-kiosk")
        catalog.update(tmpl, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # a fuzzy header would drop Plural-Forms from the compiled catalog
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, width=120)
        print(f"updated {path.relative_to(ROOT)} ({tag})")


def compile_all() -> None:
    for folder in LANGS:
        path = _po(folder)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=folder)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


def untranslated() -> list[str]:
    problems: list[str] = []
    wanted = messages()
    for folder in LANGS:
        if folder == "en":
            continue
        with _po(folder).open("rb") as fh:
            catalog = read_po(fh, locale=folder)
        for msgid in wanted:
            key = msgid[0] if isinstance(msgid, tuple) else msgid
            message = catalog.get(key)
            strings = message.string if message is not None else None
            ok = all(strings) if isinstance(strings, tuple | list) else bool(strings)
            if not ok:
                problems.append(f"{folder}: {key!r}")
    return problems


def placeholder_problems() -> list[str]:
    """A translation must keep the msgid's ``{placeholders}``: a lost ``{time}`` prints nothing,
    a renamed one raises KeyError in front of a visitor."""
    problems: list[str] = []
    for folder in LANGS:
        with _po(folder).open("rb") as fh:
            catalog = read_po(fh, locale=folder)
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            wanted = set().union(*(i18n_tables.placeholders(i) for i in ids))
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            for text in strings:
                got = i18n_tables.placeholders(text)
                plural = len(ids) > 1
                if (plural and not got <= wanted) or (not plural and text and got != wanted):
                    problems.append(
                        f"{folder}: {ids[0]!r}: placeholders {sorted(got)}, msgid has {sorted(wanted)}"
                    )
    return problems


def problems() -> list[str]:
    """Everything ``check`` reports: the catalogs, then every translation table outside them."""
    return untranslated() + placeholder_problems() + i18n_tables.problems(ROOT)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        with (LOCALE / "kiosk.pot").open("wb") as fh:
            write_po(fh, template(), omit_header=True, sort_output=True)
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "all messages translated; every translation table complete")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

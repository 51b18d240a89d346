"""The kiosk's knowledge articles and their search index, in the cache's SQLite file.

One FTS5 table per language holds *analyzed* terms (stems, Simplified Chinese words; see
:mod:`offline_cache.kb_analyze`), so FTS5 does the postings and BM25 while the language work
stays ours. Columns are weighted title 8, keywords and synonyms 5, body 1. Upsert and delete
(a tombstone that remembers ``updated_at``) touch one article each, so an incremental sync keeps
the index current without a rebuild; an older revision never overwrites a newer one.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import operator
import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from offline_cache.db import CacheDB
from offline_cache.kb_analyze import LANGS, MAX_QUERY_CHARS, analyzer

_FTS = {"ru": "kb_fts_ru", "zh-Hant": "kb_fts_zh", "en": "kb_fts_en"}
WEIGHTS = "8.0, 5.0, 1.0"  # title, keywords and synonyms, body
CANDIDATES = 40
RANK_BUDGET = 2500  # matching rows FTS5 may rank per search: about 1 ms (bench/search, 50,000 articles)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


SECTIONS = (
    "answers", "regulations", "guides", "faq", "contacts", "tariffs", "benefits", "templates", "promotions",
)  # fmt: skip
"""``answers`` is the knowledge base; the others are the information sections (regulations and the
regulator's documents, step-by-step guides, published answers to frequent appeals, the consumer
office and hotline, tariffs and fees, benefits, document templates, promotions)."""


@dataclass(frozen=True)
class Article:
    id: str
    lang: str
    title: str
    body: str
    topic_path: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    updated_at: str = ""
    section: str = "answers"
    steps: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    group: str = ""  # translations of one article share it
    order: int = 0  # most used first: higher comes first within a topic or section
    revision: int = 0
    promotion: dict[str, Any] | None = None  # {"until": "YYYY-MM-DD"} for a promotion

    @classmethod
    def from_json(cls, data: Any) -> Article:
        """Validate one imported or synced record; ValueError names what is wrong. Unknown keys are ignored."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        for key in ("id", "lang", "title", "body"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise ValueError(f"{key}: missing or not a non-empty string")
        if data["lang"] not in LANGS:
            raise ValueError(f"lang: {data['lang']!r} is not one of {', '.join(LANGS)}")
        lists = {}
        for key in ("topic_path", "keywords", "synonyms", "steps", "related"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{key}: not a list of strings")
            lists[key] = value
        if len(lists["topic_path"]) > 3:
            raise ValueError("topic_path: at most three levels, so every answer is a few taps from home")
        for key in ("updated_at", "group"):
            if not isinstance(data.get(key, ""), str):
                raise ValueError(f"{key}: not a string")
        section = data.get("section") or "answers"
        if section not in SECTIONS:
            raise ValueError(f"section: {section!r} is not one of {', '.join(SECTIONS)}")
        numbers = {}
        for key in ("order", "revision"):
            value = data.get(key) or 0
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{key}: not an integer")
            numbers[key] = value
        promotion = data.get("promotion")
        if promotion is not None and not isinstance(promotion, dict):
            raise ValueError("promotion: not an object")
        return cls(
            data["id"], data["lang"], data["title"], data["body"], lists["topic_path"], lists["keywords"],
            lists["synonyms"], data.get("updated_at", ""), section, lists["steps"], lists["related"],
            data.get("group", ""), numbers["order"], numbers["revision"], promotion,
        )  # fmt: skip

    def extra(self) -> str:
        """What the index does not need, stored as one JSON column."""
        return json.dumps(
            {"steps": self.steps, "related": self.related, "group": self.group, "revision": self.revision,
             "promotion": self.promotion},
            ensure_ascii=False,
        )  # fmt: skip


@dataclass(frozen=True)
class Hit:
    id: str
    lang: str
    title: str
    score: float
    topic_path: list[str]
    matched: list[str]  # words as written in the article, for highlighting


ARTICLE_COLUMNS = "id, lang, title, body, topic_path, keywords, synonyms, updated_at, section, sort_order, extra"


def article_from_row(row: Any) -> Article:
    extra = json.loads(row[10] or "{}")
    return Article(
        row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]), json.loads(row[6]), row[7],
        section=row[8], order=row[9], steps=extra.get("steps", []), related=extra.get("related", []),
        group=extra.get("group", ""), revision=extra.get("revision", 0), promotion=extra.get("promotion"),
    )  # fmt: skip


def add_fields(db: Any) -> None:
    """Migration body: the section, the "most used first" order and the fields the index does not need."""
    db.execute("ALTER TABLE kb_articles ADD COLUMN section TEXT NOT NULL DEFAULT 'answers'")
    db.execute("ALTER TABLE kb_articles ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE kb_articles ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'")
    db.execute("CREATE INDEX kb_articles_section ON kb_articles (lang, section, deleted)")


def create_tables(db: Any) -> None:
    """Migration body (called from :mod:`offline_cache.db`)."""
    db.execute(
        "CREATE TABLE kb_articles (id TEXT PRIMARY KEY, lang TEXT NOT NULL, title TEXT NOT NULL, "
        "body TEXT NOT NULL, topic_path TEXT NOT NULL, keywords TEXT NOT NULL, synonyms TEXT NOT NULL, "
        "updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, terms TEXT NOT NULL DEFAULT '', surfaces TEXT NOT NULL DEFAULT '')"
    )
    db.execute("CREATE INDEX kb_articles_lang ON kb_articles (lang, deleted)")
    # bumped by every write to a language, so a store in another thread or process sees a stale vocabulary
    db.execute("CREATE TABLE kb_state (lang TEXT PRIMARY KEY, generation INTEGER NOT NULL)")
    db.conn.executemany("INSERT INTO kb_state VALUES (?, 0)", [(lang,) for lang in _FTS])
    for table in _FTS.values():
        db.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5(title, keywords, body, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('rank', 'bm25({WEIGHTS})')")  # noqa: S608 - table names from _FTS
        db.execute(f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')")


class KnowledgeStore:
    """Articles, their tombstones and the search over them."""

    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache
        self._vocab: dict[str, _Vocab] = {}

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, article: Article) -> bool:
        """Store one article and re-index it; False when a newer revision is already here."""
        with self.cache.transaction() as db:
            if not self._replace(db.conn, article):
                return False
        self._vocab.pop(article.lang, None)
        return True

    def upsert_many(self, articles: list[Article]) -> int:
        """Bulk load (import, first sync) in one transaction; returns how many were applied.

        Articles new to the cache are analyzed first and written with two ``executemany`` (rows, then
        the FTS5 table, rowids given in order so FTS5 appends), and each language's generation is
        bumped once: per-article statements cost more than the analysis on a 50,000-article load.
        """
        applied = 0
        with self.cache.transaction() as db:
            conn = db.conn
            known = _known(conn, [a.id for a in articles])
            rowid = int(conn.execute("SELECT coalesce(max(rowid), 0) FROM kb_articles").fetchone()[0])
            rows: list[list[Any]] = []
            fts: dict[str, list[list[Any]]] = {}
            for a in articles:
                row = known.get(a.id)
                if row is None:  # new: batched below
                    rowid += 1
                    values, texts = _indexed(a)
                    rows.append([rowid, *values, a.id])
                    fts.setdefault(a.lang, []).append([rowid, *texts])
                    known[a.id] = (rowid, a.lang, a.updated_at, True)
                    applied += 1
                elif row[3] and not (a.updated_at and row[2] > a.updated_at):  # again in this batch
                    rows[:] = [r for r in rows if r[-1] != a.id]
                    fts[row[1]] = [r for r in fts[row[1]] if r[0] != row[0]]
                    values, texts = _indexed(a)
                    rows.append([row[0], *values, a.id])
                    fts.setdefault(a.lang, []).append([row[0], *texts])
                    known[a.id] = (row[0], a.lang, a.updated_at, True)
                    applied += 1
                elif not row[3] and self._replace(conn, a, row[:3], bump=False):
                    known[a.id] = (row[0], a.lang, a.updated_at, False)
                    applied += 1
            rows.sort(key=_rowid)
            conn.executemany(
                "INSERT INTO kb_articles (rowid, lang, title, body, topic_path, keywords, synonyms, updated_at, terms, "
                "surfaces, section, sort_order, extra, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            for lang, lang_rows in fts.items():
                lang_rows.sort(key=_rowid)
                conn.executemany(
                    f"INSERT INTO {_FTS[lang]} (rowid, title, keywords, body) VALUES (?, ?, ?, ?)",  # noqa: S608 - table names from _FTS
                    lang_rows,
                )
            if applied:
                conn.execute("UPDATE kb_state SET generation = generation + 1")
        self._vocab.clear()
        return applied

    def _replace(
        self, conn: sqlite3.Connection, a: Article, row: tuple[Any, ...] | None = None, *, bump: bool = True
    ) -> bool:
        """Write one article, given its stored (rowid, lang, updated_at) when the caller has looked it up."""
        if row is None:
            row = conn.execute(
                "SELECT rowid, lang, updated_at FROM kb_articles WHERE id = ?", [a.id]
            ).fetchone()
        if row is not None and a.updated_at and row[2] > a.updated_at:
            return False
        values, texts = _indexed(a)
        if row is None:
            rowid = conn.execute(
                "INSERT INTO kb_articles (lang, title, body, topic_path, keywords, synonyms, updated_at, terms, surfaces, "
                "section, sort_order, extra, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*values, a.id],
            ).lastrowid
        else:
            rowid = row[0]
            conn.execute(f"DELETE FROM {_FTS[row[1]]} WHERE rowid = ?", [rowid])  # noqa: S608 - table names from _FTS
            conn.execute(
                "UPDATE kb_articles SET lang = ?, title = ?, body = ?, topic_path = ?, keywords = ?, "
                "synonyms = ?, updated_at = ?, terms = ?, surfaces = ?, section = ?, sort_order = ?, extra = ?, "
                "deleted = 0 WHERE id = ?",
                [*values, a.id],
            )
        conn.execute(
            f"INSERT INTO {_FTS[a.lang]} (rowid, title, keywords, body) VALUES (?, ?, ?, ?)",  # noqa: S608 - table names from _FTS
            [rowid, *texts],
        )
        if bump:
            _bump(conn, a.lang, row[1] if row else a.lang)
        return True

    def delete(self, article_id: str, updated_at: str = "") -> bool:
        """Tombstone: the row stays (id, time) so a late older upsert cannot bring it back."""
        with self.cache.transaction() as db:
            conn = db.conn
            row = conn.execute("SELECT rowid, lang, updated_at FROM kb_articles WHERE id = ?", [article_id]).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO kb_articles (id, lang, title, body, topic_path, keywords, synonyms, updated_at, "
                    "deleted) VALUES (?, 'en', '', '', '[]', '[]', '[]', ?, 1)",
                    [article_id, updated_at],
                )
                return False
            if updated_at and row[2] > updated_at:
                return False
            conn.execute(f"DELETE FROM {_FTS[row[1]]} WHERE rowid = ?", [row[0]])  # noqa: S608 - table names from _FTS
            _bump(conn, row[1], row[1])
            conn.execute(
                "UPDATE kb_articles SET deleted = 1, title = '', body = '', terms = '', surfaces = '', updated_at = ? "
                "WHERE id = ?",
                [updated_at or row[2], article_id],
            )
        self._vocab.pop(row[1], None)
        return True

    # -- reading ---------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        row = self.cache.db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE id = ? AND deleted = 0", [article_id]  # noqa: S608 - fixed text
        ).fetchone()
        return None if row is None else article_from_row(row)

    def count(self, lang: str | None = None) -> int:
        sql = "SELECT count(*) FROM kb_articles WHERE deleted = 0" + (" AND lang = ?" if lang else "")  # noqa: S608 - fixed text
        return int(self.cache.db.execute(sql, [lang] if lang else []).fetchone()[0])

    def warm(self) -> None:
        """Load every language's vocabulary (about 0.15 s on 50,000 articles) before a visitor searches.

        Cheap when nothing changed (a generation read per language), so the sync job calls it after each run.
        """
        for lang in _FTS:
            self._vocabulary(lang)

    def _vocabulary(self, lang: str) -> _Vocab:
        """Term -> document frequency, kept in memory until the next write to this language.

        Shared by the stores of one :class:`CacheDB`: the sync worker's :meth:`warm` after a
        write loads it (about 50 ms a language at 50,000 articles) so a visitor's search does not.
        """
        vocab = self._vocab.get(lang)
        generation = self.cache.db.execute("SELECT generation FROM kb_state WHERE lang = ?", [lang]).fetchone()[0]
        if vocab is None or vocab.generation != generation:
            shared = _SHARED_VOCAB.setdefault(self.cache, {})
            vocab = shared.get(lang)
            if vocab is None or vocab.generation != generation:
                rows = self.cache.db.execute(f"SELECT term, doc FROM {_FTS[lang]}_vocab").fetchall()  # noqa: S608 - table names from _FTS
                vocab = _Vocab({str(t): int(d) for t, d in rows}, max(1, self.count(lang)), generation)
                shared[lang] = vocab
            self._vocab[lang] = vocab
        return vocab

    def _query_terms(self, query: str, lang: str, vocab: _Vocab) -> list[str]:
        """The query's terms that the index has: unknown Chinese words split, mistyped words corrected."""
        an = analyzer()
        terms: list[str] = []
        for term in dict.fromkeys(an.terms(query[:MAX_QUERY_CHARS], lang, query=True)):
            if term in vocab.df:
                found = [term]
            elif _HAN.match(term):
                found = [p for p in an.han_pieces(term) if p in vocab.df]
            else:
                fixed = vocab.correct(term)
                found = [fixed] if fixed else []
            terms.extend(t for t in found if t not in terms)
        return terms

    def search(self, query: str, lang: str, limit: int = 10) -> list[Hit]:
        """Best articles for a visitor's words, most relevant first; never raises on odd input.

        FTS5 ranks the OR of the terms by weighted BM25; the first candidates are then re-scored by
        how much of the query (by idf) each covers and by query word pairs found side by side.
        """
        if lang not in _FTS or limit <= 0 or not isinstance(query, str):
            return []
        vocab = self._vocabulary(lang)
        terms = self._query_terms(query, lang, vocab)
        if not terms:
            return []
        idf = {t: math.log(1 + vocab.docs / vocab.df[t]) for t in terms}
        total = sum(idf.values())
        pairs = [f"{x}|{y}" for x, y in itertools.pairwise(terms)]
        table = _FTS[lang]
        # bm25() called with its weights, not the configured ``rank``: the same order, 30% less time per row
        rows = self.cache.db.execute(
            f"SELECT a.id, a.title, a.topic_path, a.terms, a.surfaces, f.r FROM "  # noqa: S608 - table names from _FTS
            f"(SELECT rowid, bm25({table}, {WEIGHTS}) AS r FROM {table} WHERE {table} MATCH ? ORDER BY r LIMIT ?) f "
            "JOIN kb_articles a ON a.rowid = f.rowid",
            [_match(terms, vocab), max(CANDIDATES, limit)],
        ).fetchall()
        scored = []
        for art_id, title, topic_path, art_terms, surfaces, rank in rows:
            have = f" {art_terms} "  # a substring test per query term costs less than a set of all the terms
            matched = [t for t in terms if f" {t} " in have]
            coverage = sum(idf[t] for t in matched) / total
            adjacent = sum(1 for p in pairs if f" {p} " in have)
            score = -rank * (0.2 + coverage) ** 2 * (1 + 0.5 * adjacent)
            scored.append((score, art_id, title, topic_path, matched, surfaces))
        scored.sort(key=lambda s: -s[0])
        return [
            Hit(art_id, lang, title, round(score, 4), json.loads(topic_path), _written(surfaces, matched))
            for score, art_id, title, topic_path, matched, surfaces in scored[:limit]
        ]


def _written(surfaces: str, matched: list[str]) -> list[str]:
    """The article's words as written for the matched terms, read from its ``term\\x1fword`` list."""
    words = set()
    for term in matched:
        key = f"{term}\x1f"
        start = 0
        while (at := surfaces.find(key, start)) >= 0:
            end = surfaces.find(" ", at)
            if at == 0 or surfaces[at - 1] == " ":
                words.add(surfaces[at + len(key) : end if end >= 0 else len(surfaces)])
            start = at + len(key)
    return sorted(words)


_SHARED_VOCAB: weakref.WeakKeyDictionary[CacheDB, dict[str, _Vocab]] = weakref.WeakKeyDictionary()


class _Vocab:
    """One language's indexed terms with document frequencies, bucketed by first letter for typos."""

    def __init__(self, df: dict[str, int], docs: int, generation: int) -> None:
        self.generation = generation
        self.df = df
        self.docs = docs
        self._by_first: dict[str, list[str]] = {}
        for term in df:
            if len(term) >= 3 and "|" not in term:
                self._by_first.setdefault(term[0], []).append(term)

    def correct(self, term: str) -> str | None:
        """The indexed term nearest a mistyped one (one edit, two for long words), most frequent first.

        Only terms with the same first letter are tried: typos there are rare and this keeps a
        correction under a millisecond on a 50,000-article index.
        """
        if not 4 <= len(term) <= 30 or not ((term.isascii() and term.isalpha()) or _cyrillic(term)):
            return None
        limit = 1 if len(term) <= 5 else 2
        bucket = self._by_first.get(term[0], [])
        found = process.extract(term, bucket, scorer=OSA.distance, score_cutoff=limit, limit=10)
        if not found:
            return None
        best = min(found, key=lambda m: (m[1], -self.df[m[0]]))
        return str(best[0])


def _indexed(a: Article) -> tuple[list[Any], list[str]]:
    """An article's row values (all but rowid and id) and the analyzed title, keywords and body for FTS5."""
    an = analyzer()
    fields = [
        an.analyze(a.title, a.lang),
        an.analyze(" ; ".join(a.keywords + a.synonyms + a.topic_path[-1:]), a.lang),
        an.analyze(a.body, a.lang),
    ]
    seen = set(fields[0]).union(fields[1], fields[2])
    # adjacent term pairs of title and keywords: a query's "card back" rewards "card back" over "card ... cashback"
    pairs = {f"{x[0]}|{y[0]}" for f in fields[:2] for x, y in pairwise(f)}
    terms = " ".join(pairs.union(map(_first, seen)))
    surfaces = " ".join(map("\x1f".join, seen))  # term, word as written: for highlighting
    values = [a.lang, a.title, a.body, _j(a.topic_path), _j(a.keywords), _j(a.synonyms), a.updated_at, terms,
              surfaces, a.section, a.order, a.extra()]  # fmt: skip
    return values, [" ".join(map(_first, f)) for f in fields]


_first = operator.itemgetter(0)


def _rowid(row: list[Any]) -> int:
    return int(row[0])


def _known(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """Stored (rowid, lang, updated_at, False) by id, for the ids of a batch; False: not written by this batch."""
    known: dict[str, tuple[Any, ...]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        for art_id, rowid, lang, updated_at in conn.execute(
            f"SELECT id, rowid, lang, updated_at FROM kb_articles WHERE id IN ({marks})",  # noqa: S608 - only placeholders
            chunk,
        ):
            known[art_id] = (rowid, lang, updated_at, False)
    return known


def _bump(conn: sqlite3.Connection, *langs: str) -> None:
    """A new generation for the languages an article left and joined."""
    conn.execute("UPDATE kb_state SET generation = generation + 1 WHERE lang IN (?, ?)", [langs[0], langs[-1]])


def _match(terms: list[str], vocab: _Vocab) -> str:
    """The FTS5 query: the terms OR-ed, rarest first, within a budget of postings to rank.

    BM25 costs about half a microsecond per matching row, so on a large index the most common terms
    (in a fifth of the articles, say) are left out of the match; they still count in the
    re-scoring of the candidates. If even the rarest term is that common, only titles and
    keywords are searched for it.
    """
    chosen: list[str] = []
    spent = 0
    for term in sorted(terms, key=lambda t: vocab.df[t]):
        if chosen and spent + vocab.df[term] > RANK_BUDGET:
            break
        chosen.append(term)
        spent += vocab.df[term]
    match = " OR ".join(f'"{t}"' for t in chosen)
    return match if spent <= RANK_BUDGET else f"{{title keywords}} : ({match})"


def _cyrillic(term: str) -> bool:
    return all("а" <= ch <= "я" or ch == "ё" for ch in term)


def _j(value: list[str]) -> str:
    return _json_list(tuple(value)) if value else "[]"


@functools.lru_cache(maxsize=8192)
def _json_list(value: tuple[str, ...]) -> str:
    """Topic paths, keywords and synonyms repeat across articles: a bulk load encodes each list once."""
    return json.dumps(value, ensure_ascii=False)

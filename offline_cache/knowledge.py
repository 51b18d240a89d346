"""The kiosk's knowledge articles and their search index, in the cache's SQLite file.

One FTS5 table per language holds *analyzed* terms (stems, Simplified Chinese words; see
:mod:`offline_cache.kb_analyze`), so FTS5 does the postings and BM25 while the language work
stays ours. Columns are weighted title 8, keywords and synonyms 5, body 1. Upsert and delete
(a tombstone that remembers ``updated_at``) touch one article each, so an incremental sync keeps
the index current without a rebuild; an older revision never overwrites a newer one.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from offline_cache.db import CacheDB
from offline_cache.kb_analyze import LANGS, MAX_QUERY_CHARS, analyzer

_FTS = {"ru": "kb_fts_ru", "zh-Hant": "kb_fts_zh", "en": "kb_fts_en"}
WEIGHTS = "bm25(8.0, 5.0, 1.0)"
CANDIDATES = 40


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

    @classmethod
    def from_json(cls, data: Any) -> Article:
        """Validate one imported or synced record; ValueError names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        for key in ("id", "lang", "title", "body"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise ValueError(f"{key}: missing or not a non-empty string")
        if data["lang"] not in LANGS:
            raise ValueError(f"lang: {data['lang']!r} is not one of {', '.join(LANGS)}")
        lists = {}
        for key in ("topic_path", "keywords", "synonyms"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{key}: not a list of strings")
            lists[key] = value
        updated = data.get("updated_at", "")
        if not isinstance(updated, str):
            raise ValueError("updated_at: not a string")
        return cls(data["id"], data["lang"], data["title"], data["body"], updated_at=updated, **lists)


@dataclass(frozen=True)
class Hit:
    id: str
    lang: str
    title: str
    score: float
    topic_path: list[str]
    matched: list[str]  # words as written in the article, for highlighting


def create_tables(db: Any) -> None:
    """Migration body (called from :mod:`offline_cache.db`)."""
    db.execute(
        "CREATE TABLE kb_articles (id TEXT PRIMARY KEY, lang TEXT NOT NULL, title TEXT NOT NULL, "
        "body TEXT NOT NULL, topic_path TEXT NOT NULL, keywords TEXT NOT NULL, synonyms TEXT NOT NULL, "
        "updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, terms TEXT NOT NULL DEFAULT '')"
    )
    db.execute("CREATE INDEX kb_articles_lang ON kb_articles (lang, deleted)")
    for table in _FTS.values():
        db.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5(title, keywords, body, "
            "tokenize = 'unicode61 remove_diacritics 0', detail = 'column')"
        )
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('rank', '{WEIGHTS}')")
        db.execute(f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')")


class KnowledgeStore:
    """Articles, their tombstones and the search over them."""

    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache
        self._vocab: dict[str, dict[str, int]] = {}
        self._docs: dict[str, int] = {}

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, article: Article) -> bool:
        """Store one article and re-index it; False when a newer revision is already here."""
        with self.cache.transaction() as db:
            if not self._replace(db.conn, article):
                return False
        self._vocab.pop(article.lang, None)
        return True

    def upsert_many(self, articles: list[Article]) -> int:
        """Bulk load (import, first sync) in one transaction; returns how many were applied."""
        applied = 0
        with self.cache.transaction() as db:
            for article in articles:
                applied += self._replace(db.conn, article)
        self._vocab.clear()
        return applied

    def _replace(self, conn: sqlite3.Connection, a: Article) -> bool:
        row = conn.execute("SELECT rowid, lang, updated_at FROM kb_articles WHERE id = ?", [a.id]).fetchone()
        if row is not None and a.updated_at and row[2] > a.updated_at:
            return False
        an = analyzer()
        title = an.terms(a.title, a.lang)
        keywords = an.terms(" ; ".join(a.keywords + a.synonyms + a.topic_path[-1:]), a.lang)
        body = an.terms(a.body, a.lang)
        terms = " ".join(sorted(set(title + keywords + body)))
        values = [a.lang, a.title, a.body, _j(a.topic_path), _j(a.keywords), _j(a.synonyms), a.updated_at, terms]
        if row is None:
            rowid = conn.execute(
                "INSERT INTO kb_articles (lang, title, body, topic_path, keywords, synonyms, updated_at, terms, id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*values, a.id],
            ).lastrowid
        else:
            rowid = row[0]
            conn.execute(f"DELETE FROM {_FTS[row[1]]} WHERE rowid = ?", [rowid])
            conn.execute(
                "UPDATE kb_articles SET lang = ?, title = ?, body = ?, topic_path = ?, keywords = ?, "
                "synonyms = ?, updated_at = ?, terms = ?, deleted = 0 WHERE id = ?",
                [*values, a.id],
            )
        conn.execute(
            f"INSERT INTO {_FTS[a.lang]} (rowid, title, keywords, body) VALUES (?, ?, ?, ?)",
            [rowid, " ".join(title), " ".join(keywords), " ".join(body)],
        )
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
            conn.execute(f"DELETE FROM {_FTS[row[1]]} WHERE rowid = ?", [row[0]])
            conn.execute(
                "UPDATE kb_articles SET deleted = 1, title = '', body = '', terms = '', updated_at = ? WHERE id = ?",
                [updated_at or row[2], article_id],
            )
        self._vocab.pop(row[1], None)
        return True

    # -- reading ---------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        row = self.cache.db.execute(
            "SELECT id, lang, title, body, topic_path, keywords, synonyms, updated_at FROM kb_articles "
            "WHERE id = ? AND deleted = 0",
            [article_id],
        ).fetchone()
        if row is None:
            return None
        return Article(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]),
                       json.loads(row[6]), row[7])

    def count(self, lang: str | None = None) -> int:
        sql = "SELECT count(*) FROM kb_articles WHERE deleted = 0" + (" AND lang = ?" if lang else "")
        return int(self.cache.db.execute(sql, [lang] if lang else []).fetchone()[0])

    def _vocabulary(self, lang: str) -> dict[str, int]:
        """Term -> document frequency, kept in memory until the next write to this language."""
        vocab = self._vocab.get(lang)
        if vocab is None:
            rows = self.cache.db.execute(f"SELECT term, doc FROM {_FTS[lang]}_vocab").fetchall()
            vocab = {str(t): int(d) for t, d in rows}
            self._vocab[lang] = vocab
            self._docs[lang] = max(1, self.count(lang))
        return vocab

    def _correct(self, term: str, vocab: dict[str, int]) -> str | None:
        """The indexed term nearest a mistyped one (one edit, two for long words), most frequent first."""
        if len(term) < 4 or not term.isalpha() or not term.isascii() and not _cyrillic(term):
            return None
        limit = 1 if len(term) <= 6 else 2
        found = process.extract(term, vocab.keys(), scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        best = min(found, key=lambda m: (m[1], -vocab[m[0]]))
        return str(best[0])

    def search(self, query: str, lang: str, limit: int = 10) -> list[Hit]:
        """Best articles for a visitor's words, most relevant first; never raises on odd input."""
        if lang not in _FTS or limit <= 0:
            return []
        vocab = self._vocabulary(lang)
        docs = self._docs[lang]
        terms: list[str] = []
        for term in dict.fromkeys(analyzer().terms(query[:MAX_QUERY_CHARS], lang, query=True)):
            if term not in vocab:
                fixed = self._correct(term, vocab)
                if fixed is None:
                    continue
                term = fixed
            if term not in terms:
                terms.append(term)
        if not terms:
            return []
        idf = {t: math.log(1 + docs / vocab[t]) for t in terms}
        match = " OR ".join(f'"{t}"' for t in terms)
        table = _FTS[lang]
        rows = self.cache.db.execute(
            f"SELECT a.id, a.title, a.topic_path, a.terms, f.rank FROM {table} f JOIN kb_articles a "
            f"ON a.rowid = f.rowid WHERE {table} MATCH ? ORDER BY f.rank LIMIT ?",
            [match, max(CANDIDATES, limit)],
        ).fetchall()
        total = sum(idf.values())
        scored = []
        for art_id, title, topic_path, art_terms, rank in rows:
            have = set(art_terms.split())
            matched = [t for t in terms if t in have]
            coverage = sum(idf[t] for t in matched) / total
            scored.append((-rank * (0.2 + coverage) ** 2, art_id, title, topic_path, matched))
        scored.sort(key=lambda s: -s[0])
        return [
            Hit(art_id, lang, title, round(score, 4), json.loads(topic_path), self._surface(art_id, lang, matched))
            for score, art_id, title, topic_path, matched in scored[:limit]
        ]

    def _surface(self, article_id: str, lang: str, matched: list[str]) -> list[str]:
        """Words of the article's title and body that carry a matched term, as written there."""
        article = self.get(article_id)
        if article is None:
            return []
        an = analyzer()
        want = set(matched)
        out: dict[str, None] = {}
        for word in an.words(article.title + " " + " ".join(article.keywords) + " " + article.body):
            if word[0] >= "\u3400":
                simple = an.to_simplified(word)
                if len(simple) == len(word):
                    for t in want:
                        at = simple.find(t)
                        if at >= 0:
                            out[word[at:at + len(t)]] = None
            elif want.intersection(an.terms(word, lang)):
                out[word] = None
        return list(out)


def _cyrillic(term: str) -> bool:
    return all("а" <= ch <= "я" or ch == "ё" for ch in term)


def _j(value: list[str]) -> str:
    return json.dumps(value, ensure_ascii=False)

"""The engines ``bench/search`` compares: ours, SQLite FTS5 with its default tokenizer, and tantivy.

Each takes the same articles and answers ``search(query, lang, limit) -> [id, ...]``. Tantivy gets
its best stock set-up (Snowball stemmers for ru and en, 1-2 character n-grams for Chinese, titles
and keywords boosted) so that the comparison is not against a straw man.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

_PUNCT = re.compile(r"[^\w]+")


class Ours:
    name = "ours"

    def __init__(self, articles: list[dict[str, Any]], workdir: Path) -> None:
        from offline_cache.db import CacheDB
        from offline_cache.knowledge import Article, KnowledgeStore

        self.cache = CacheDB(workdir / "ours.db")
        self.store = KnowledgeStore(self.cache)
        self.store.upsert_many([Article.from_json(a) for a in articles])

    def search(self, query: str, lang: str, limit: int) -> list[str]:
        return [h.id for h in self.store.search(query, lang, limit)]


class Fts5Default:
    """FTS5 as it comes: unicode61 tokenizer, bm25, the words of the query OR-ed."""

    name = "fts5-default"

    def __init__(self, articles: list[dict[str, Any]], workdir: Path) -> None:
        self.conn = sqlite3.connect(workdir / "fts5.db")
        self.conn.execute("CREATE VIRTUAL TABLE a USING fts5(id UNINDEXED, lang UNINDEXED, title, keywords, body)")
        with self.conn:
            self.conn.executemany(
                "INSERT INTO a VALUES (?, ?, ?, ?, ?)",
                [(x["id"], x["lang"], x["title"], " ".join(x.get("keywords", []) + x.get("synonyms", [])), x["body"])
                 for x in articles],
            )

    def search(self, query: str, lang: str, limit: int) -> list[str]:
        words = [w for w in _PUNCT.split(query) if w]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self.conn.execute(
            "SELECT id FROM a WHERE a MATCH ? AND lang = ? ORDER BY rank LIMIT ?", [match, lang, limit]
        ).fetchall()
        return [r[0] for r in rows]


class Tantivy:
    name = "tantivy"

    def __init__(self, articles: list[dict[str, Any]], workdir: Path) -> None:
        import tantivy

        self.t = tantivy
        self.indexes: dict[str, Any] = {}
        for lang in ("ru", "zh-Hant", "en"):
            if lang == "zh-Hant":
                analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(1, 2, False)).build()
            else:
                analyzer = (
                    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                    .filter(tantivy.Filter.lowercase())
                    .filter(tantivy.Filter.stemmer("russian" if lang == "ru" else "english"))
                    .build()
                )
            builder = tantivy.SchemaBuilder()
            builder.add_text_field("id", stored=True, tokenizer_name="raw")
            for name in ("title", "keywords", "body"):
                builder.add_text_field(name, tokenizer_name="lang")
            schema = builder.build()
            path = Path(tempfile.mkdtemp(dir=workdir))
            index = tantivy.Index(schema, path=str(path))
            index.register_tokenizer("lang", analyzer)
            writer = index.writer(heap_size=64_000_000, num_threads=1)
            for x in articles:
                if x["lang"] == lang:
                    writer.add_document(tantivy.Document(
                        id=x["id"], title=x["title"], body=x["body"],
                        keywords=" ".join(x.get("keywords", []) + x.get("synonyms", [])),
                    ))
            writer.commit()
            writer.wait_merging_threads()
            index.reload()
            self.indexes[lang] = index

    def search(self, query: str, lang: str, limit: int) -> list[str]:
        index = self.indexes[lang]
        text = " ".join(w for w in _PUNCT.split(query) if w)
        if not text:
            return []
        q, _errors = index.parse_query_lenient(
            text, ["title", "keywords", "body"], field_boosts={"title": 3.0, "keywords": 2.0}
        )
        searcher = index.searcher()
        return [searcher.doc(addr)["id"][0] for _score, addr in searcher.search(q, limit).hits]


ENGINES = (Ours, Fts5Default, Tantivy)

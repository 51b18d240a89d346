"""Browsing the knowledge cache by topic and by information section, most used first.

Topics are the articles' ``topic_path`` (at most three levels). The tree of one language and
section is built from one query and kept until the next write to that language (the same
``kb_state`` generation the search vocabulary follows), so a visitor's taps cost no query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from offline_cache.db import CacheDB
from offline_cache.knowledge import ARTICLE_COLUMNS, Article, article_from_row

ID_SUFFIX = {"ru": "ru", "zh-Hant": "zh", "en": "en"}


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    order: int


@dataclass
class Topic:
    """One node of the tree: its sub-topics and the articles filed exactly here."""

    name: str
    path: tuple[str, ...]
    children: dict[str, Topic] = field(default_factory=dict)
    articles: list[Entry] = field(default_factory=list)
    weight: int = 0  # the highest order below it: "most used first" for topics too
    count: int = 0  # articles below it, all levels

    def sorted_children(self) -> list[Topic]:
        return sorted(self.children.values(), key=lambda t: (-t.weight, -t.count, t.name))

    def sorted_articles(self) -> list[Entry]:
        return sorted(self.articles, key=lambda e: (-e.order, e.title))


class KnowledgeBrowser:
    def __init__(self, cache: CacheDB) -> None:
        self.cache = cache
        self._trees: dict[tuple[str, str], tuple[int, Topic]] = {}

    def _generation(self, lang: str) -> int:
        row = self.cache.db.execute("SELECT generation FROM kb_state WHERE lang = ?", [lang]).fetchone()
        return int(row[0]) if row else 0

    def tree(self, lang: str, section: str = "answers") -> Topic:
        generation = self._generation(lang)
        cached = self._trees.get((lang, section))
        if cached and cached[0] == generation:
            return cached[1]
        root = Topic("", ())
        rows = self.cache.db.execute(
            "SELECT id, title, topic_path, sort_order FROM kb_articles "
            "WHERE lang = ? AND section = ? AND deleted = 0",
            [lang, section],
        ).fetchall()
        for art_id, title, topic_path, order in rows:
            node = root
            node.count += 1
            node.weight = max(node.weight, order)
            for name in json.loads(topic_path)[:3]:
                node = node.children.setdefault(name, Topic(name, (*node.path, name)))
                node.count += 1
                node.weight = max(node.weight, order)
            node.articles.append(Entry(art_id, title, order))
        self._trees[(lang, section)] = (generation, root)
        return root

    def topic(self, lang: str, path: tuple[str, ...] | list[str], section: str = "answers") -> Topic | None:
        """The node at ``path``; None when it no longer exists (removed by a sync meanwhile)."""
        node = self.tree(lang, section)
        for name in path:
            found = node.children.get(name)
            if found is None:
                return None
            node = found
        return node

    def section(self, lang: str, sections: list[str] | tuple[str, ...]) -> list[Article]:
        """Every article of these sections, in the given order of sections, most used first within each."""
        if not sections:
            return []
        marks = ", ".join("?" for _ in sections)
        rows = self.cache.db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM kb_articles "  # noqa: S608 - fixed text and placeholders
            f"WHERE lang = ? AND section IN ({marks}) AND deleted = 0",
            [lang, *sections],
        ).fetchall()
        rank = {name: i for i, name in enumerate(sections)}
        articles = [article_from_row(row) for row in rows]
        return sorted(articles, key=lambda a: (rank[a.section], -a.order, a.title))

    def titles(self, ids: list[str]) -> list[Entry]:
        """The related articles that exist here, in the order given."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self.cache.db.execute(
            f"SELECT id, title, sort_order FROM kb_articles WHERE id IN ({marks}) AND deleted = 0",  # noqa: S608
            ids,
        ).fetchall()
        found = {r[0]: Entry(r[0], r[1], r[2]) for r in rows}
        return [found[i] for i in ids if i in found]

    def translation(self, article: Article, lang: str) -> Article | None:
        """The same article in ``lang``: by its ``group``, or by the id convention ``<stem>-ru|zh|en``."""
        if article.lang == lang:
            return article
        stem = article.id.rsplit("-", 1)[0] if article.id.endswith(("-ru", "-zh", "-en")) else article.id
        guess = f"{stem}-{ID_SUFFIX.get(lang, lang)}"
        row = self.cache.db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE lang = ? AND deleted = 0 "  # noqa: S608 - fixed text
            "AND (id = ? OR (? != '' AND json_extract(extra, '$.group') = ?)) ORDER BY id = ? DESC LIMIT 1",
            [lang, guess, article.group, article.group, guess],
        ).fetchone()
        return None if row is None else article_from_row(row)


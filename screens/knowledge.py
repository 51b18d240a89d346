"""Finding an answer: topics to browse, a search that answers as the visitor types, the article.

Everything comes from the kiosk's own cache (``KnowledgeService``), so it works offline. Any
answer is three taps from home: the tile, a topic, the article (a topic's screen lists its
sub-topics with their articles under them; a third level opens one more screen).
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.services.knowledge import KnowledgeService
from offline_cache.kb_browse import Entry, Topic
from offline_cache.knowledge import Article, Hit
from screens import theme as T
from screens.base import KioskScreen
from screens.highlight import mark, snippet
from screens.theme import theme
from service_common.i18n import N_
from service_common.redact import mask_card_numbers

SEARCH_DELAY_S = 0.3  # typing pauses this long before the search runs
RESULTS = 8
MIN_MISS_CHARS = 3  # "к" or "ca" finding nothing is typing, not a missing answer

NOTHING_FOUND = N_("Nothing found for “{query}”. Try other words, browse the topics, or ask us the question.")


def _hex(color: tuple[float, ...]) -> str:
    return "".join(f"{round(c * 255):02x}" for c in color[:3])


def ask_question(screen: KioskScreen, text: str) -> None:
    """Open the appeal form with the visitor's words, once the appeals screens exist."""
    from screens import registry

    if "appeal_form" in registry.SCREENS:
        screen.app.go("appeal_form", kind="question", text=text)
    else:
        screen.app.go("coming_soon", feature="appeal")


def entry_button(
    entry: Entry | Hit | Article, on_release: Any, words: list[str] | None = None, body: str = ""
) -> Widget:
    """One article in a list: its title, and for a search result the words found marked (in the
    title, and in a line of the text where the title does not have them)."""
    button = Factory.ArticleButton()
    words = words or []
    button.ids.title.source = mark(entry.title, words, _hex(T.ACCENT))
    lowered = entry.title.lower()
    if words and body and not any(w.lower() in lowered for w in words):
        button.ids.snippet.source = mark(snippet(body, words), words, _hex(T.ACCENT))
    button.bind(on_release=lambda *_a: on_release(entry.id))
    return button


class KnowledgeScreen(KioskScreen):
    """The start: a search field and the first level of topics; typing turns topics into results."""

    query = StringProperty("")
    searching = BooleanProperty(False)  # results (or "nothing found") shown instead of the topics
    message = StringProperty("")
    missed = StringProperty("")  # the query that found nothing, offered to "ask"

    @property
    def kb(self) -> KnowledgeService:
        return self.ctx.knowledge

    def on_show(self, **params: Any) -> None:
        self.use_keyboard({"query": None}, self._keyboard_done)
        self.ids.query.unbind(text=self._typed)
        self.ids.query.bind(text=self._typed)
        self._draw_topics()
        if params.get("query") is not None:
            self.ids.query.text = str(params["query"])

    def on_language(self, lang: str) -> None:
        if self.manager and self.manager.current == self.name:
            self._draw_topics()
            self._search_now()

    def _draw_topics(self) -> None:
        self.run(self.kb.topic, self.ctx.translator.lang, (), on_done=self._show_topics)

    def _show_topics(self, root: Topic | None) -> None:
        grid = self.ids.topics
        grid.clear_widgets()
        if root is None or not root.children:
            self.say("message", lambda: self._("The answers are not loaded yet. Please ask a consultant."))
            return
        for topic in root.sorted_children():
            button = Factory.TopicButton(text=topic.name)
            button.bind(on_release=lambda _b, path=topic.path: self.app.go("kb_topic", path=list(path)))
            grid.add_widget(button)

    # ----- search as you type -----
    def _typed(self, _field: Any, text: str) -> None:
        self.query = text
        Clock.unschedule(self._search_now)
        Clock.schedule_once(self._search_now, SEARCH_DELAY_S)

    def _search_now(self, *_args: Any) -> None:
        query = self.query.strip()
        if not query:
            self.searching = False
            self.missed = ""
            self.ids.results.clear_widgets()
            return
        lang = self.ctx.translator.lang
        self.run(self._find, query, lang, on_done=lambda found: self._show_results(query, *found))

    def _find(self, query: str, lang: str) -> tuple[list[Hit], list[str]]:
        """On a worker: the hits and their texts (for the line that shows the words found)."""
        hits = self.kb.search(query, lang, RESULTS)
        articles = [self.kb.article(hit.id) for hit in hits]
        return hits, [a.body if a else "" for a in articles]

    def _show_results(self, query: str, hits: list[Hit], bodies: list[str]) -> None:
        if query != self.query.strip():
            return  # the visitor typed on meanwhile
        self.searching = True
        box = self.ids.results
        box.clear_widgets()
        self.missed = "" if hits else query
        if not hits:
            shown = mask_card_numbers(query)
            self.say("message", lambda: self._(NOTHING_FOUND).format(query=shown))
            return
        self.say("message", "")
        for hit, body in zip(hits, bodies, strict=True):
            box.add_widget(entry_button(hit, self.open_article, hit.matched, body))

    def _keyboard_done(self, _keyboard: Any, _target: Any) -> None:
        self.app.keyboard.detach()
        self._record_miss()

    def _record_miss(self) -> None:
        query = self.missed
        if len(query) >= MIN_MISS_CHARS and query != self.__dict__.get("_recorded"):
            self.__dict__["_recorded"] = query
            self.run(self.kb.record_miss, query, self.ctx.translator.lang)

    def ask(self) -> None:
        self._record_miss()
        ask_question(self, self.missed or self.query.strip())

    def open_article(self, article_id: str) -> None:
        self._record_miss()
        self.app.go("kb_article", article_id=article_id, words=self._words())

    def _words(self) -> list[str]:
        return [w for w in self.query.split() if len(w) > 1]

    def on_leave(self, *_args: Any) -> None:
        self._record_miss()

    def reset(self) -> None:
        self.__dict__.pop("_recorded", None)
        self.query = self.missed = ""
        self.searching = False
        self.say("message", "")
        if "query" in self.ids:
            self.ids.query.text = ""
            self.ids.results.clear_widgets()


class KbTopicScreen(KioskScreen):
    """A topic: each sub-topic as a heading with its articles under it (a third level opens here again)."""

    title = StringProperty("")
    params: dict[str, Any]

    def on_show(self, **params: Any) -> None:
        self.params = params
        self.path = tuple(params.get("path") or ())
        self.title = " › ".join(self.path)
        self.run(self.ctx.knowledge.topic, self.ctx.translator.lang, self.path, on_done=self._draw)

    def on_language(self, lang: str) -> None:
        # Topic names are the language's own: a switch goes back to the start of this language's tree.
        if self.manager and self.manager.current == self.name:
            self.app.go("kb", remember=False)

    def _draw(self, topic: Topic | None) -> None:
        box = self.ids.list_box
        box.clear_widgets()
        if topic is None:
            box.add_widget(Factory.KLabel(text=self._("This topic is no longer available.")))
            return
        for entry in topic.sorted_articles():
            box.add_widget(entry_button(entry, self.open_article))
        for sub in topic.sorted_children():
            box.add_widget(Factory.TopicHeading(text=sub.name))
            for entry in sub.sorted_articles():
                box.add_widget(entry_button(entry, self.open_article))
            for deeper in sub.sorted_children():
                button = Factory.TopicButton(text=deeper.name)
                button.bind(on_release=lambda _b, path=deeper.path: self.app.go("kb_topic", path=list(path)))
                box.add_widget(button)

    def open_article(self, article_id: str) -> None:
        self.app.go("kb_article", article_id=article_id)

    def on_leave(self, *_args: Any) -> None:
        self.ids.list_box.clear_widgets()


class KbArticleScreen(KioskScreen):
    """An answer: its text, its steps, related articles, and "Was this helpful?"."""

    caption = StringProperty("")  # where the article lives: "Find an answer" or its section
    title = StringProperty("")
    body = StringProperty("")
    steps = ListProperty([])
    rated = BooleanProperty(False)
    promotion = BooleanProperty(False)
    words = ListProperty([])

    def on_show(self, **params: Any) -> None:
        self.params = params
        self.article_id = str(params.get("article_id", ""))
        self.words = list(params.get("words") or [])
        rated: set[str] = self.__dict__.setdefault("_rated", set())
        self.rated = self.article_id in rated
        self.run(self.ctx.knowledge.article, self.article_id, on_done=self._draw)

    def _draw(self, article: Article | None) -> None:
        box = self.ids.related
        box.clear_widgets()
        if article is None:
            self.title = self._("This answer is no longer available.")
            self.body = ""
            self.steps = []
            self.promotion = False
            return
        self.article = article
        self.article_id = article.id
        from screens.kb_info import SECTION_TITLES

        caption = SECTION_TITLES.get(article.section, N_("Find an answer"))
        self.say("caption", lambda: self._(caption))
        self.title = mark(article.title, self.words, _hex(T.ACCENT))
        self.body = article.body
        self.steps = [f"{n}. {step}" for n, step in enumerate(article.steps, start=1)]
        self.promotion = article.section == "promotions"
        steps_box = self.ids.steps
        steps_box.clear_widgets()
        for line in self.steps:
            steps_box.add_widget(Factory.KLabel(text=line, font_size=theme.u * 40))
        self.run(self.ctx.knowledge.related, article, on_done=self._draw_related)
        self.ids.scroller.scroll_y = 1

    def _draw_related(self, entries: list[Entry]) -> None:
        box = self.ids.related
        box.clear_widgets()
        for entry in entries:
            box.add_widget(entry_button(entry, self.open_article))

    def open_article(self, article_id: str) -> None:
        self.app.go("kb_article", article_id=article_id)

    def rate(self, helpful: bool) -> None:
        if self.rated or not self.article_id:
            return
        self.rated = True
        self.__dict__.setdefault("_rated", set()).add(self.article_id)
        self.run(self.ctx.knowledge.rate, self.article_id, self.ctx.translator.lang, helpful)

    def interested(self) -> None:
        self.app.go("kb_lead", article_id=self.article_id, title=self.article.title)

    def on_language(self, lang: str) -> None:
        """The same article in the new language; back to the start when it has no translation."""
        if self.manager and self.manager.current == self.name and self.article_id:
            self.run(self.ctx.knowledge.translation, self.article_id, lang, on_done=self._translated)

    def _translated(self, article: Article | None) -> None:
        if article is None:
            self.app.go("kb", remember=False)
            return
        self.words = []
        self._draw(article)

    def reset(self) -> None:
        self.__dict__.pop("_rated", None)
        self.rated = False

"""Text analysis for the knowledge search: the same function turns articles and queries into terms.

Russian and English go through Snowball stemmers (PyStemmer); Chinese is folded to Simplified
with OpenCC (so a query typed in either script meets an article in either) and segmented with
jieba-rs in search mode (``信用卡`` also yields ``信用``). Russian stems also give a "root" term with
a verbal prefix taken off, so ``заблокировать`` meets ``блокировка``. Every dictionary ships inside
the installed packages: nothing downloads at run time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

import opencc
import rjieba
import Stemmer

LANGS = ("ru", "zh-Hant", "en")
MAX_QUERY_CHARS = 200  # a visitor's question is short; a pasted page must not cost seconds

_WORD = re.compile(r"[0-9a-zа-яё]+|[\u3400-\u9fff\uf900-\ufaff]+", re.IGNORECASE)
_CYR = re.compile("[а-яё]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_RU_ROOT = 7
_RU_PREFIXES = ("пере", "раз", "рас", "при", "под", "от", "за", "вы", "по", "на", "у", "с")

STOP = {
    "en": set(
        ["a", "an", "the", "i", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "them", "their", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "how", "what", "when", "where", "which", "who", "why", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "to", "of", "in", "on", "at", "by", "for", "with", "from", "about", "into", "as", "and", "or", "not", "no", "if", "so", "this", "that", "these", "those", "there", "here", "get", "got", "want", "need", "please", "there's", "i'm", "don't"]
    ),
    "ru": set(
        ["и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так", "его", "но", "да", "ты", "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "мне", "было", "вот", "от", "меня", "еще", "нет", "о", "из", "ему", "теперь", "когда", "даже", "ну", "ли", "если", "уже", "или", "ни", "быть", "был", "него", "до", "вас", "нибудь", "опять", "уж", "вам", "ведь", "там", "потом", "себя", "ничего", "ей", "может", "они", "тут", "где", "есть", "надо", "ней", "для", "мы", "тебя", "их", "чем", "была", "сам", "чтоб", "без", "будто", "чего", "раз", "тоже", "себе", "под", "будет", "ж", "тогда", "кто", "этот", "того", "потому", "этого", "какой", "совсем", "ним", "здесь", "этом", "один", "почти", "мой", "тем", "чтобы", "нее", "сейчас", "были", "куда", "зачем", "всех", "никогда", "можно", "при", "наконец", "два", "об", "другой", "хоть", "после", "над", "больше", "тот", "через", "эти", "нас", "про", "всего", "них", "какая", "много", "разве", "три", "эту", "моя", "впрочем", "хорошо", "свою", "этой", "перед", "иногда", "лучше", "чуть", "том", "нельзя", "такой", "им", "более", "всегда", "конечно", "всю", "между", "мне", "моя", "моё", "мою", "мой", "нужно", "хочу", "делать", "сделать", "могу", "ли", "как-то"]
    ),
    "zh": set(["的", "了", "是", "我", "你", "要", "在", "和", "嗎", "吗", "呢", "吧", "啊", "怎", "麼", "么", "怎么", "怎麼", "如何", "什么", "什麼", "可以", "能", "请", "請", "我的", "一", "个", "個", "有"]),
}


class Analyzer:
    """Terms of a text in one language; cheap to call, heavy objects made once."""

    def __init__(self) -> None:
        self._ru = Stemmer.Stemmer("russian")
        self._en = Stemmer.Stemmer("english")
        self._words: dict[str, tuple[str, ...]] = {}  # word -> terms; words repeat a lot
        self._pairs: dict[str, tuple[tuple[str, str], ...]] = {}  # word as written -> (term, written) pairs
        self._t2s = opencc.OpenCC("tw2sp")  # Taiwan words too: 簡訊 -> 短信, 網路 -> 网络

    @lru_cache(maxsize=65536)  # noqa: B019 - one Analyzer per process; words repeat a lot
    def _stem(self, lang: str, word: str) -> tuple[str, ...]:
        if lang == "en":
            return (self._en.stemWord(word),)
        stem = self._ru.stemWord(word.replace("ё", "е"))
        root = stem
        for prefix in _RU_PREFIXES:
            if stem.startswith(prefix) and len(stem) - len(prefix) >= 6:
                root = stem[len(prefix):]
                break
        root = root[:_RU_ROOT]  # блокирова / блокировк -> блокиро
        return (stem,) if root == stem else (stem, root)

    def to_simplified(self, text: str) -> str:
        return str(self._t2s.convert(text))

    def words(self, text: str) -> list[str]:
        """Words as written, Chinese runs kept whole."""
        return [m.group(0) for m in _WORD.finditer(unicodedata.normalize("NFKC", text))]

    def analyze(self, text: str, lang: str, *, query: bool = False) -> list[tuple[str, str]]:
        """(term, word as written) pairs of ``text``; stop words dropped from queries only.

        Articles get jieba's search mode (``信用卡`` gives ``信用`` too); a query gets whole words,
        and the search splits a query word the index does not know (see :meth:`han_pieces`).
        """
        if not query:  # an article: a word's pairs are cached as written, so most words cost one lookup in C
            words = _WORD.findall(unicodedata.normalize("NFKC", text))
            found = list(map(self._pairs.get, words))
            if None in found:
                for i, got in enumerate(found):
                    if got is None:
                        found[i] = self._article_word(words[i])
            return list(chain.from_iterable(found))  # type: ignore[arg-type]
        out: list[tuple[str, str]] = []
        for written in _WORD.findall(unicodedata.normalize("NFKC", text)):
            if written[0] >= "\u3400":  # a Chinese run (the word pattern keeps scripts apart)
                out.extend(self._han(written, query))
                continue
            word = written.lower()
            if word in STOP["ru" if "а" <= word[0] <= "ё" else "en"]:
                continue
            out.extend(self._written(written))
        return out

    def _article_word(self, written: str) -> tuple[tuple[str, str], ...]:
        if written[0] >= "\u3400":  # a Chinese run: often a whole sentence, not worth keeping
            return self._han(written, False)
        got = self._written(written)
        if len(self._pairs) < 200_000:
            self._pairs[written] = got
        return got

    def _written(self, written: str) -> tuple[tuple[str, str], ...]:
        word = written.lower()
        terms = self._words.get(word)
        if terms is None:
            terms = self._word(word)
            if len(self._words) < 200_000:
                self._words[word] = terms
        return tuple((term, written) for term in terms)

    def _word(self, word: str) -> tuple[str, ...]:
        if word.isdigit():
            return (word,)
        return self._stem("ru" if _CYR.search(word) else "en", word)  # mixed scripts: by the word's alphabet

    @lru_cache(maxsize=16384)  # noqa: B019
    def _han(self, run: str, query: bool) -> tuple[tuple[str, str], ...]:
        simple = self.to_simplified(run)
        same = len(simple) == len(run)
        if query:
            pieces = [(p, s, e) for p, s, e in rjieba.tokenize(simple) if p not in STOP["zh"]]
        else:
            pieces = rjieba.tokenize(simple, mode="search")
        return tuple((p, run[s:e] if same else p) for p, s, e in pieces)

    def terms(self, text: str, lang: str, *, query: bool = False) -> list[str]:
        return [t for t, _ in self.analyze(text, lang, query=query)]

    def han_pieces(self, term: str) -> list[str]:
        """The shorter words inside a Chinese word, for a query word the index does not have whole."""
        return [p for p in rjieba.cut_for_search(term) if p != term and len(p) > 1]


_ANALYZER: Analyzer | None = None


def analyzer() -> Analyzer:
    """The process's one analyzer (OpenCC and the stemmers load once, about 0.1 s)."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = Analyzer()
    return _ANALYZER

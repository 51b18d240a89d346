"""The language libraries the knowledge search could use, side by side: load time, speed, output.

Prints, for each library installed: time to import and make ready (a kiosk pays it at start), time
per call on demo text, and what it makes of the hard cases. Libraries not installed are skipped;
only the chosen ones are project dependencies. See docs/search.md for what was chosen and why.

    .venv/bin/python bench/search_libs.py

The alternatives are not project dependencies; to see them too, install them first (a scratch venv
is best): ``pip install jieba==0.42.1 zhconv==1.4.3 pymorphy3==2.0.6 snowballstemmer==3.1.1``.
Do not install opencc-python-reimplemented next to opencc: both install a module named ``opencc``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO = [json.loads(x) for x in (ROOT / "assets" / "kb" / "demo.jsonl").read_text(encoding="utf-8").splitlines()]
ZH_TEXT = [a["title"] + a["body"] for a in DEMO if a["lang"] == "zh-Hant"]
RU_WORDS = [w for a in DEMO if a["lang"] == "ru" for w in a["body"].lower().split()]
HARD_RU = ["карта", "карты", "карту", "заблокировать", "блокировка", "заблокирована"]


def _timed(setup: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    made = setup()
    return made, (time.perf_counter() - t0) * 1000


def _per_call_us(fn: Callable[[Any], Any], items: list[Any]) -> float:
    t0 = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - t0) / len(items) * 1e6


def _try(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        print(f"  {name}: not installed, skipped")
        return False
    return True


def main() -> int:
    print("Chinese segmentation (Traditional demo text folded to Simplified first)")
    if _try("rjieba"):
        import rjieba

        _, load = _timed(lambda: rjieba.cut("預熱"))
        print(f"  rjieba     ready {load:7.1f} ms  {_per_call_us(rjieba.cut, ZH_TEXT):7.1f} us/article  "
              f"{rjieba.cut_for_search('信用卡挂失需要带身份证')}")
    if _try("jieba"):
        jieba: Any = importlib.import_module("jieba")  # optional, untyped: compared, not used

        jieba.setLogLevel(60)
        _, load = _timed(lambda: jieba.lcut("預熱"))
        print(f"  jieba      ready {load:7.1f} ms  {_per_call_us(jieba.lcut, ZH_TEXT):7.1f} us/article  "
              f"{jieba.lcut_for_search('信用卡挂失需要带身份证')}")
    print("Traditional -> Simplified")
    sample = "簡訊 身分證 網路銀行 對帳單 提款機 信用卡掛失"
    if _try("opencc"):
        import opencc

        conv, load = _timed(lambda: opencc.OpenCC("tw2sp"))
        print(f"  opencc     ready {load:7.1f} ms  {_per_call_us(conv.convert, ZH_TEXT):7.1f} us/article  "
              f"{conv.convert(sample)}")
    if _try("zhconv"):
        zhconv: Any = importlib.import_module("zhconv")  # optional, untyped: compared, not used

        _, load = _timed(lambda: zhconv.convert("預熱", "zh-cn"))
        print(f"  zhconv     ready {load:7.1f} ms  "
              f"{_per_call_us(lambda t: zhconv.convert(t, 'zh-cn'), ZH_TEXT):7.1f} us/article  "
              f"{zhconv.convert(sample, 'zh-cn')}")
    print("Russian word forms")
    if _try("Stemmer"):
        import Stemmer

        st, load = _timed(lambda: Stemmer.Stemmer("russian"))
        print(f"  PyStemmer  ready {load:7.1f} ms  {_per_call_us(st.stemWord, RU_WORDS):7.2f} us/word  "
              f"{st.stemWords(HARD_RU)}")
    if _try("snowballstemmer"):
        snowballstemmer: Any = importlib.import_module("snowballstemmer")  # optional, untyped: compared, not used

        sb, load = _timed(lambda: snowballstemmer.stemmer("russian"))
        print(f"  snowball   ready {load:7.1f} ms  {_per_call_us(sb.stemWord, RU_WORDS):7.2f} us/word  "
              f"{sb.stemWords(HARD_RU)}")
    if _try("pymorphy3"):
        pymorphy3: Any = importlib.import_module("pymorphy3")  # optional, untyped: compared, not used

        morph, load = _timed(pymorphy3.MorphAnalyzer)
        print(f"  pymorphy3  ready {load:7.1f} ms  "
              f"{_per_call_us(lambda w: morph.parse(w)[0].normal_form, RU_WORDS):7.2f} us/word  "
              f"{[morph.parse(w)[0].normal_form for w in HARD_RU]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serve the book's Chinese characters with the book: a font subset of exactly the glyphs it uses.

    python tools/cjk_font.py [--font /usr/share/fonts/truetype/wqy/wqy-microhei.ttc]

The glossary, the sources page and chapter 4 quote the source articles in Chinese. A reader whose
machine has no CJK font would see boxes, so the book ships a subset of WenQuanYi Micro Hei
(Debian's ``fonts-wqy-microhei``, Apache-2.0) with just the characters that occur in
``chapters/`` — a few kilobytes — as ``tools/book_static/fonts/cjk-subset.woff``, and
``tools/book_static/cjk.css`` adds it as the last fallback of the body font (the course's Sphinx
extension, ``tools/sphinx_course.py``, serves ``tools/book_static`` and links ``cjk.css``). Not in
a ``_static`` folder at the book root: Jupyter Book 1 would then inject every script of the
vendored MathJax into every page. Run this again after adding Chinese text; ``tools/check_book.py`` fails on a page
whose CJK characters the subset lacks.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "tools" / "book_static"   # served as the book's _static by tools/sphinx_course.py
OUT = STATIC / "fonts" / "cjk-subset.woff"
CSS = STATIC / "cjk.css"
# CJK punctuation, kana, unified ideographs (+ extension A), compatibility ideographs, full-width forms
CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CSS_TEXT = """/* Chinese characters for readers without a CJK font: see tools/cjk_font.py. */
@font-face {
  font-family: "Course CJK";
  src: url("fonts/cjk-subset.woff") format("woff");
  unicode-range: U+3000-303F, U+3040-30FF, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF;
  font-display: swap;
}
html {
  --pst-font-family-base: var(--pst-font-family-base-system), "Course CJK";
}
"""


def characters(root: Path = ROOT) -> set[str]:
    """Every CJK character in the book's sources (Markdown pages and notebooks)."""
    found: set[str] = set()
    for path in sorted((root / "chapters").glob("*")):
        if path.suffix in {".md", ".ipynb"}:
            found |= set(CJK.findall(path.read_text(encoding="utf-8")))
    return found


def main(argv=None) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    args = parser.parse_args(argv)
    chars = characters()
    font = TTFont(args.font, fontNumber=0)
    missing = sorted(ch for ch in chars if ord(ch) not in font.getBestCmap())
    if missing:
        print(f"cjk_font: {args.font} lacks {''.join(missing)}", file=sys.stderr)
        return 1
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(ch) for ch in chars])
    sub.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff"
    font.save(OUT)
    CSS.write_text(CSS_TEXT, encoding="utf-8")
    print(f"cjk_font: {len(chars)} characters, {OUT.stat().st_size / 1024:.0f} KiB → {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Open every page of the built book in headless Chromium, with the network off, as a reader would.

    python tools/check_book.py [--html _build/html] [--shots _build/screenshots]

A page fails on: a JavaScript error (uncaught, or logged with console.error), a request that
needed the network, an image that did not load, an internal link to a missing page or anchor,
math left untypeset, a widget area that rendered empty, or (on a chapter) a missing Binder or
Colab launch button; and on readability (``layout_problems``): a display equation wider than the
text column, a chapter figure without a numbered caption, or a figure scaled so far down that its
10-pt text renders below 9 px; and a Chinese character that the font served with the book
(``tools/cjk_font.py``) cannot draw. On chapters 3 and 4 it also moves the sliders of the live
controls that run in the page (lstmlib.viz.live_cell) and checks that the drawing and its numbers
change to the values of lstmlib.reference (``check_gradient_control``, ``check_live_controls``).
Screenshots of chapters 1 and 4, and of each live control, are saved as build artefacts. Uses Debian's ``chromium`` (``.ci/run`` installs it) through
Playwright, which is told where it is, so Playwright's own browser download is never needed.

Prints one line per page, then ``N passed, N failed``; exits 1 if any page failed.
"""
from __future__ import annotations

import argparse
import math
import re
import shutil
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT_PAGES = {"chapters/01_feedforward.html": "chapter01.png", "chapters/04_lstm_gates.html": "chapter04.png"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


class _Collector(HTMLParser):
    """Collect ids and internal hrefs of one HTML file."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs and attrs["id"]:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def parse(path: Path, cache: dict) -> _Collector:
    if path not in cache:
        c = _Collector()
        c.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = c
    return cache[path]


def broken_links(page: Path, html_root: Path, cache: dict) -> list[str]:
    """Internal links of ``page`` whose target file or anchor does not exist."""
    bad = []
    for href in parse(page, cache).hrefs:
        parts = urlsplit(href)
        if parts.scheme or href.startswith(("mailto:", "javascript:", "//")):
            continue
        target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            bad.append(f"missing file {href}")
            continue
        if parts.fragment and target.suffix == ".html":
            if unquote(parts.fragment) not in parse(target, cache).ids:
                bad.append(f"missing anchor {href}")
    return bad


PAGE_PROBE = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) {}
  }
  await new Promise(r => setTimeout(r, 300));
  const maths = Array.from(document.querySelectorAll('span.math, div.math'));
  let untypeset = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60));
  // TeX that never reached MathJax (e.g. a display equation written inside a paragraph) stays as text.
  const prose = (document.querySelector('main') || document.body).cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, .highlight').forEach(e => e.remove());
  const rawTex = (prose.textContent.match(/\$\$|\\\(|\\\[|\\begin\{/g) || []);
  if (rawTex.length) untypeset.push(`raw TeX in the text: ${rawTex.slice(0, 3).join(' ')}`);
  const images = Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const emptyWidgets = views.filter(s => {
    const area = s.parentElement;
    const rendered = area.querySelector('.jupyter-widgets, .widget-subarea');
    return !rendered || rendered.getBoundingClientRect().height < 5;
  }).length;
  return {maths: maths.length, untypeset, images, widgets: views.length, emptyWidgets};
}
"""


# ---- readability at the book's width (issue 15): equations, figure text, captions ------------------
FIGURE_DPI = 100          # matplotlib's inline backend renders figures at 100 dpi
BODY_FONT_PT = 10         # matplotlib's default font size (tick labels, axis labels)
MIN_TEXT_PX = 9           # smallest readable text on screen

LAYOUT_PROBE = r"""
() => {
  const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const columnRight = column.getBoundingClientRect().right;
  const overflow = [];
  document.querySelectorAll('div.math').forEach(div => {
    const maths = div.querySelectorAll('mjx-container mjx-math');
    maths.forEach(m => {
      const r = m.getBoundingClientRect();
      const box = div.getBoundingClientRect();
      if (r.width > box.width + 2 || r.right > columnRight + 2) {
        overflow.push(`${div.id || '(unlabelled)'}: ${Math.round(r.width)} px in ${Math.round(box.width)} px`);
      }
    });
  });
  const uncaptioned = [], scaled = [];
  document.querySelectorAll('.cell_output img').forEach(img => {
    if (img.closest('.jupyter-widgets, .widget-subarea')) return;  // a live widget's view, not a figure
    if (!img.closest('figure')) uncaptioned.push((img.getAttribute('src') || '').slice(0, 80));
    const w = img.getBoundingClientRect().width;
    if (img.naturalWidth > 0 && w > 0) scaled.push([img.getAttribute('src'), w / img.naturalWidth]);
  });
  return {overflow, uncaptioned, scaled};
}
"""


def layout_problems(page, rel: str) -> list[str]:
    """What a reader at the book's width cannot read: display equations wider than the text column
    (cut off or hidden behind a scroll bar), figures on a chapter page without a caption of the
    book's own (MyST-NB figure metadata or {glue:figure}), and figures scaled down so far that
    matplotlib's default 10-pt text renders below 9 px (the PNG is drawn at 100 dpi, so a
    10-pt label is about 14 px before the page scales the image to the column)."""
    result = page.evaluate(LAYOUT_PROBE)
    problems = [f"display equation wider than the page: {o}" for o in result["overflow"]]
    if re.match(r"chapters/\d\d_", rel):
        if result["uncaptioned"]:
            problems.append(f"{len(result['uncaptioned'])} figure(s) without a numbered caption: "
                            f"{result['uncaptioned'][:3]}")
        text_px = BODY_FONT_PT / 72 * FIGURE_DPI
        for src, scale in result["scaled"]:
            if text_px * scale < MIN_TEXT_PX:
                problems.append(f"figure text too small: {src} is shown at {scale:.0%} of its size, "
                                f"so {BODY_FONT_PT}-pt text renders at {text_px * scale:.1f} px")
    return problems


CJK_CHARS = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_cjk_cmap: dict = {}


def cjk_problems(page_path: Path, html_root: Path) -> list[str]:
    """Chinese characters on the page that the font served with the book cannot draw (a reader
    without a CJK font would see boxes). The font is the subset written by ``tools/cjk_font.py``."""
    chars = set(CJK_CHARS.findall(page_path.read_text(encoding="utf-8", errors="replace")))
    if not chars:
        return []
    font = html_root / "_static" / "fonts" / "cjk-subset.woff"
    if not font.exists() or "cjk.css" not in page_path.read_text(encoding="utf-8", errors="replace"):
        return [f"{len(chars)} CJK characters but no CJK font served with the page "
                "(tools/cjk_font.py writes it; tools/sphinx_course.py must link cjk.css)"]
    if font not in _cjk_cmap:
        from fontTools.ttLib import TTFont

        _cjk_cmap[font] = set(TTFont(font).getBestCmap())
    missing = sorted(ch for ch in chars if ord(ch) not in _cjk_cmap[font])
    return [f"CJK characters missing from the served font (run tools/cjk_font.py): {''.join(missing[:20])}"] if missing else []


def _move(page, control, name: str, value: float) -> float:
    """Set one slider of a live control as a drag does (value, then an "input" event); returns the
    milliseconds from the event to the redrawn drawing (the control redraws synchronously)."""
    return page.evaluate(
        """([control, name, value]) => {
             const input = document.querySelector(`.lstm-live[data-kind="${control}"] input[name="${name}"]`);
             const start = performance.now();
             input.value = String(value);
             input.dispatchEvent(new Event("input", {bubbles: true}));
             return performance.now() - start;
           }""", [control, name, value])


def _shown(page, control: str, name: str, attribute: str = "data-value") -> float:
    return float(page.get_attribute(f'.lstm-live[data-kind="{control}"] svg [data-name="{name}"]', attribute))


def check_live_controls(page, shots: Path) -> tuple[list[str], str]:
    """Move the sliders of chapter 4's gate and memory explorers on the built page; the drawing
    and its numbers must change to lstmlib.reference's values. Returns (problems, a summary)."""
    from lstmlib.viz.live_cell import reference_trace

    problems: list[str] = []
    kinds = page.eval_on_selector_all(".lstm-live", "els => els.map(e => e.dataset.kind)")
    if sorted(kinds) != ["gates", "memory"]:
        return [f"live controls: expected a gate and a memory explorer, found {kinds}"], ""
    timings = []

    # the gate explorer: a new setting with a negative previous cell and a negative candidate
    before = page.inner_html('.lstm-live[data-kind="gates"] svg')
    setting = {"f": 0.25, "i": 0.8, "g": -0.6, "o": 0.9, "c_prev": -2.0}
    for name, value in setting.items():
        timings.append(_move(page, "gates", name, value))
    c, h = (float(v[0, 0]) for v in reference_trace(setting["f"], setting["i"], setting["g"], setting["o"],
                                                    setting["c_prev"]))
    for name, expected in (("c", c), ("h", h)):
        shown = _shown(page, "gates", name)
        if not math.isclose(shown, expected, rel_tol=1e-9, abs_tol=1e-12):
            problems.append(f"gate explorer: {name} shows {shown}, lstmlib.reference gives {expected}")
    label = page.text_content('.lstm-live[data-kind="gates"] svg [data-name="c"]')
    if label != f"\u2212{abs(c):.2f}":
        problems.append(f"gate explorer: c_t is labelled {label!r}, expected \u2212{abs(c):.2f}")
    fill = float(page.get_attribute('.lstm-live[data-kind="gates"] rect.lc-fill[data-name="f"]', "height"))
    if not math.isclose(fill, 84 * setting["f"]):
        problems.append(f"gate explorer: the forget gate is filled to {fill / 84:.3f}, not {setting['f']}")
    if page.inner_html('.lstm-live[data-kind="gates"] svg') == before:
        problems.append("gate explorer: the drawing did not change when the sliders moved")

    # the memory explorer: a faster-fading memory with an input
    f, i, g = 0.8, 1.0, -0.5
    for name, value in (("f", f), ("i", i), ("g", g)):
        timings.append(_move(page, "memory", name, value))
    steps = len(page.get_attribute('.lstm-live[data-kind="memory"] polyline.lc-trace', "data-values").split(",")) - 1
    c0 = float(page.eval_on_selector('.lstm-live[data-kind="memory"] input[name="c0"]', "e => e.value"))
    c_ref, _ = reference_trace(f, i, g, 1.0, c0, steps=steps)
    shown_final = _shown(page, "memory", "half_life", "data-c-final")
    if not math.isclose(shown_final, float(c_ref[-1, 0]), rel_tol=1e-9, abs_tol=1e-12):
        problems.append(f"memory explorer: c_{steps} shows {shown_final}, lstmlib.reference gives {c_ref[-1, 0]}")
    life = _shown(page, "memory", "half_life")
    if not math.isclose(life, math.log(2) / -math.log(f), rel_tol=1e-12):
        problems.append(f"memory explorer: half-life shows {life}, expected ln 2 / -ln {f}")

    # readable at the page's width: every label of the drawings at 9 px or more as rendered
    smallest = page.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('.lstm-live svg')).flatMap(svg => {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return Array.from(svg.querySelectorAll('text, tspan')).map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
      }))""")
    if smallest < 9:
        problems.append(f"live controls: text drawn at {smallest:.1f} px (below 9 px) at this page width")
    page.locator('.lstm-live[data-kind="gates"]').screenshot(path=str(shots / "chapter04-gate-explorer.png"))
    page.locator('.lstm-live[data-kind="memory"]').screenshot(path=str(shots / "chapter04-memory-explorer.png"))
    return problems, (f"live controls: {len(timings)} slider moves, redraw {max(timings):.1f} ms at most, "
                      f"smallest text {smallest:.1f} px")


def check_gradient_control(page, shots: Path) -> tuple[list[str], str]:
    """Move chapter 3's ρ slider on the built page; the curves must change to those of
    lstmlib.reference.longterm.gradient_norms_by_activation. Returns (problems, a summary)."""
    from lstmlib.reference.longterm import gradient_norms_by_activation

    problems: list[str] = []
    if page.locator('.lstm-live[data-kind="gradients"]').count() != 1:
        return ["live controls: expected one gradient-norm explorer"], ""
    before = page.inner_html('.lstm-live[data-kind="gradients"] svg')
    timings = []
    for rho in (2.0, 0.5):
        timings.append(_move(page, "gradients", "rho", rho))
        expected = gradient_norms_by_activation(rho)
        for activation, curve in expected.items():
            shown = page.get_attribute(f'.lstm-live[data-kind="gradients"] polyline.lc-trace[data-name="{activation}"]',
                                       "data-values")
            shown = [float(v) for v in shown.split(",")]
            worst = max(abs(a - b) / b for a, b in zip(shown, curve))
            if len(shown) != len(curve) or worst > 1e-9:
                problems.append(f"gradient explorer: rho = {rho}, {activation}: off by {worst:.1e} (relative) "
                                "from lstmlib.reference.longterm")
    if page.inner_html('.lstm-live[data-kind="gradients"] svg') == before:
        problems.append("gradient explorer: the drawing did not change when the slider moved")
    page.locator('.lstm-live[data-kind="gradients"]').screenshot(path=str(shots / "chapter03-gradient-explorer.png"))
    return problems, f"live control: {len(timings)} slider moves, redraw {max(timings):.1f} ms at most"


# pages with live controls (lstmlib.viz.live_cell) → the check that moves their sliders
LIVE_CONTROLS_PAGES = {"chapters/03_vanishing_gradients.html": check_gradient_control,
                       "chapters/04_lstm_gates.html": check_live_controls}


def check(html_root: Path, shots: Path) -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("check_book: Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    pages = sorted(p for p in html_root.rglob("*.html")
                   if not p.relative_to(html_root).parts[0].startswith(("_", "."))
                   and p.name not in {"search.html", "genindex.html", "py-modindex.html"})
    shots.mkdir(parents=True, exist_ok=True)
    cache: dict = {}
    failed = passed = 0
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        browser = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 1000}, offline=True,
        )
        for page_path in pages:
            rel = page_path.relative_to(html_root).as_posix()
            problems: list[str] = []
            if re.search(r'http-equiv="refresh"', page_path.read_text(encoding="utf-8"), re.I):
                continue  # a redirect stub (index.html): its target is checked as a page of its own
            page = browser.new_page()
            page.on("pageerror", lambda e, p=problems: p.append(f"JS error: {e}"))
            page.on("console", lambda m, p=problems: p.append(f"console.error: {m.text}") if m.type == "error" else None)

            def refuse(route, request=None, p=problems):
                p.append(f"needs the network: {route.request.url[:100]}")
                route.abort()

            page.route(re.compile(r"^https?://"), refuse)
            page.goto(page_path.as_uri(), wait_until="load")
            result = page.evaluate(PAGE_PROBE)
            if result["untypeset"]:
                problems.append(f"math left untypeset ({len(result['untypeset'])}): {result['untypeset'][:3]}")
            if result["images"]:
                problems.append(f"broken images: {result['images'][:5]}")
            if result["emptyWidgets"]:
                problems.append(f"{result['emptyWidgets']} of {result['widgets']} widget areas rendered empty")
            problems += broken_links(page_path, html_root, cache)
            problems += layout_problems(page, rel)
            problems += cjk_problems(page_path, html_root)
            if re.match(r"chapters/\d\d_", rel):  # a chapter notebook: it must be launchable
                hrefs = " ".join(parse(page_path, cache).hrefs)
                for name, host in (("Binder", "mybinder.org"), ("Colab", "colab.research.google.com")):
                    if host not in hrefs:
                        problems.append(f"no {name} launch button")
            if rel in SCREENSHOT_PAGES:
                page.screenshot(path=str(shots / SCREENSHOT_PAGES[rel]), full_page=True)
            live = ""
            if rel in LIVE_CONTROLS_PAGES:
                live_problems, live = LIVE_CONTROLS_PAGES[rel](page, shots)
                problems += live_problems
            page.close()
            # A failed network request also logs a console error; report it once.
            problems = [p for p in problems if not p.startswith("console.error: Failed to load resource")] or problems
            status = "FAIL" if problems else "ok"
            print(f"{status:4} {rel}  (math {result['maths']}, widgets {result['widgets']}{', ' + live if live else ''})")
            for p in problems:
                print(f"       - {p}")
            failed += bool(problems)
            passed += not problems
        browser.close()
    print(f"book check: {passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--shots", type=Path, default=ROOT / "_build" / "screenshots")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").exists():
        print(f"check_book: no built book at {args.html} (run: python tools/book.py)", file=sys.stderr)
        return 2
    return check(args.html.resolve(), args.shots)


if __name__ == "__main__":
    sys.exit(main())

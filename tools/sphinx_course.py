"""A small local Sphinx extension for the course book (loaded from ``_config.yml``).

* Serves ``tools/book_static/course.css`` and ``course.js`` on every page: they label each widget in
  the static HTML as a snapshot (a slider in a static page cannot run Python, and must not look
  as if it could), and bridge the widgets manager's MathJax 2 call to MathJax 3.
* Declares ``sphinx_multitoc_numbering`` (loaded by Jupyter Book) parallel-safe: it only replaces
  the section-numbering step that Sphinx runs after reading, but it does not say so, and Sphinx
  then reads serially *and* warns — which fails a ``-W`` build. The book runs its notebooks two
  at a time through that parallel read.
* Drops duplicate ``<script>`` entries: sphinx-thebe 0.3 registers its inline configuration twice
  under Sphinx 7, which makes every page throw "Identifier 'THEBE_JS_URL' has already been
  declared" in the browser.
"""
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "book_static"


def _add_static_path(app, config):
    config.html_static_path = list(config.html_static_path) + [str(STATIC)]


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        # Inline scripts appear with filename None or "" depending on who added them.
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


def _declare_multitoc_parallel_safe(app, config):
    ext = app.extensions.get("sphinx_multitoc_numbering")
    if ext is not None:
        ext.parallel_read_safe = True
        ext.parallel_write_safe = True


def setup(app):
    app.connect("config-inited", _declare_multitoc_parallel_safe)
    app.connect("config-inited", _add_static_path)
    app.add_css_file("course.css")
    app.add_css_file("cjk.css")   # the Chinese glyphs the book uses, served with it (tools/cjk_font.py)
    app.add_js_file("course.js")
    app.connect("html-page-context", _dedupe_scripts, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

"""A small local Sphinx extension for the course book (loaded from ``_config.yml``).

* Serves ``tools/book_static/course.css`` and ``course.js`` on every page: they label each widget in
  the static HTML as a snapshot (a slider in a static page cannot run Python, and must not look
  as if it could), and bridge the widgets manager's MathJax 2 call to MathJax 3.
* Shows a docstring that is not valid reStructuredText (``|x|`` read as a substitution, a plain-text
  table) as a literal block instead of failing the strict build: the library's docstrings are
  written for ``help()`` and the source first, and the API page must not break on them.
* Declares ``sphinx_multitoc_numbering`` (loaded by Jupyter Book) parallel-safe: it only replaces
  the section-numbering step that Sphinx runs after reading, but it does not say so, and Sphinx
  then reads serially *and* warns — which fails a ``-W`` build. The book runs its notebooks two
  at a time through that parallel read.
* Gives sphinx-proof's domain the ``merge_domaindata`` that parallel reading needs: its domain data
  is empty (it keeps its records in ``env.proof_list``, merged by its own ``env-merge-info``
  handler), so there is nothing to merge, but without the method Sphinx aborts the build.
* Drops duplicate ``<script>`` entries: sphinx-thebe 0.3 registers its inline configuration twice
  under Sphinx 7, which makes every page throw "Identifier 'THEBE_JS_URL' has already been
  declared" in the browser.
"""
import re
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


def _literal_if_invalid(app, what, name, obj, options, lines):
    """Runs after napoleon: parse the docstring alone; on any docutils problem, show it verbatim."""
    from docutils import nodes
    from docutils.core import publish_doctree

    text = "\n".join(lines)
    if not text.strip():
        return
    # Plain docutils does not know Sphinx's roles (:func:, :mod:, …); they are valid here.
    checked = re.sub(r":[\w:+-]+:`", "`", text)
    try:
        tree = publish_doctree(checked, settings_overrides={"report_level": 5, "halt_level": 5,
                                                         "warning_stream": False})
        problems = [m for m in tree.findall(nodes.system_message) if m["level"] >= 2]
        problems += list(tree.findall(nodes.problematic))  # e.g. |x| read as an undefined substitution
    except Exception:  # any parser failure counts as invalid
        problems = [True]
    if problems:
        lines[:] = ["::", ""] + ["    " + line for line in text.splitlines()] + [""]


def _declare_multitoc_parallel_safe(app, config):
    ext = app.extensions.get("sphinx_multitoc_numbering")
    if ext is not None:
        ext.parallel_read_safe = True
        ext.parallel_write_safe = True


def _make_proof_domain_mergeable():
    try:
        from sphinx_proof.domain import ProofDomain
    except ImportError:
        return
    if "merge_domaindata" not in ProofDomain.__dict__:
        ProofDomain.merge_domaindata = lambda self, docnames, otherdata: None


def setup(app):
    _make_proof_domain_mergeable()
    app.connect("config-inited", _declare_multitoc_parallel_safe)
    app.connect("autodoc-process-docstring", _literal_if_invalid, priority=600)
    app.connect("config-inited", _add_static_path)
    app.add_css_file("course.css")
    app.add_js_file("course.js")
    app.connect("html-page-context", _dedupe_scripts, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

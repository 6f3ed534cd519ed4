"""Build the course book: ``python tools/book.py [--no-execute] [--jobs N]``.

What this adds to a plain ``jupyter-book build .``:

* **Strict.** Warnings are errors (``-W``), missing references are reported (``-n``) and the build
  keeps going to list them all (``--keep-going``); a failing notebook cell fails the build
  (``execute.raise_on_error`` in ``_config.yml``). Without these, Jupyter Book 1 prints a warning
  and still exits 0.
* **Readable offline.** The stock build loads MathJax, require.js and the Jupyter widgets HTML
  manager from CDNs, so a reader without internet sees raw ``\\(…\\)`` and empty widget areas.
  Here they are fetched once from the npm registry (``npm pack``) into ``book_assets/`` and
  served from the book's own ``_static/`` folder. Where the machine has no npm (or no registry),
  the build still succeeds, uses the CDNs and says so in one line.
  (Not in a folder named ``_static`` at the book root: Jupyter Book 1 injects every ``.js`` file
  found there into every page.)
* **Executed outside Sphinx, cached.** ``tools/execute_notebooks.py`` runs the chapters first, two at
  a time, each in a fresh interpreter with a watchdog, into jupyter-cache; Sphinx then reads them
  from the cache (MyST-NB's ``cache`` mode) and executes nothing inside its forked readers, where
  kernels hung after widget cells. Locally a chapter whose code did not change is not re-run;
  ``--force`` (CI) re-runs everything.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "book_assets"
STATIC = ASSETS / "static"

# npm package → (files or folders inside the package, destination under STATIC)
NPM_ASSETS = {
    "mathjax@3.2.2": [("package/es5", "mathjax")],
    "requirejs@2.3.8": [("package/require.js", "require.js")],
    "@jupyter-widgets/html-manager@1.0.15": [("package/dist", "@jupyter-widgets/html-manager/dist")],
}
MATHJAX_ENTRY = "mathjax/tex-mml-chtml.js"
REQUIRE_ENTRY = "require.js"
# Kept at its npm path: the manager's injected CSS asks for its icon fonts at
# "@jupyter-widgets/html-manager/dist/…" relative to the *page*; see copy_widget_fonts().
WIDGETS_ENTRY = "@jupyter-widgets/html-manager/dist/embed-amd.js"


def vendor_assets() -> bool:
    """Fetch MathJax, require.js and the widgets HTML manager into ``book_assets/static``.

    Returns True when all three are in place (fetched now or earlier), False otherwise.
    """
    wanted = [STATIC / MATHJAX_ENTRY, STATIC / REQUIRE_ENTRY, STATIC / WIDGETS_ENTRY]
    if all(p.exists() for p in wanted):
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(
                [npm, "pack", "--silent", *NPM_ASSETS],
                cwd=tmp, check=True, capture_output=True, timeout=300,
            )
        except (subprocess.SubprocessError, OSError):
            return False
        STATIC.mkdir(parents=True, exist_ok=True)
        for tgz in Path(tmp).glob("*.tgz"):
            with tarfile.open(tgz) as tar:
                tar.extractall(Path(tmp) / tgz.stem, filter="data")
        for spec, items in NPM_ASSETS.items():
            name = spec.rsplit("@", 1)[0].lstrip("@").replace("/", "-")
            version = spec.rsplit("@", 1)[1]
            unpacked = Path(tmp) / f"{name}-{version}"
            for inside, dest in items:
                src, dst = unpacked / inside, STATIC / dest
                if dst.exists():
                    shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, dst)
                else:
                    shutil.copy2(src, dst)
    return all(p.exists() for p in wanted)


def offline_overrides() -> dict:
    """Sphinx settings that serve the three scripts from the book's own ``_static``."""
    return {
        "html_static_path": [str(STATIC)],
        "mathjax_path": MATHJAX_ENTRY,
        "nb_ipywidgets_js": {REQUIRE_ENTRY: {}, WIDGETS_ENTRY: {}},
    }


def copy_widget_fonts(html_root: Path) -> None:
    """Put the widgets manager's icon fonts where its injected CSS looks for them.

    The CSS asks for ``@jupyter-widgets/html-manager/dist/<hash>.woff2`` relative to the page,
    so every folder holding a page with widgets gets a copy (a few small files).
    """
    fonts = [p for p in (STATIC / "@jupyter-widgets/html-manager/dist").glob("*")
             if p.suffix in {".woff", ".woff2", ".ttf", ".eot", ".svg"}]
    folders = {page.parent for page in html_root.rglob("*.html")
               if "application/vnd.jupyter.widget-state+json" in page.read_text(encoding="utf-8", errors="ignore")}
    for folder in folders:
        dest = folder / "@jupyter-widgets/html-manager/dist"
        dest.mkdir(parents=True, exist_ok=True)
        for font in fonts:
            shutil.copy2(font, dest / font.name)


def missing_toc_files() -> list[str]:
    """Files named in ``_toc.yml`` that do not exist (Jupyter Book would only warn)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]
    for part in toc.get("parts", []):
        names += [c["file"] for c in part.get("chapters", [])]
    missing = []
    for name in names:
        if not any((ROOT / f"{name}{ext}").exists() for ext in ("", ".md", ".ipynb")):
            missing.append(name)
    return missing


def configured_suppressions() -> list[str]:
    """``sphinx.config.suppress_warnings`` from ``_config.yml`` (an override replaces the list)."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return list(config.get("sphinx", {}).get("config", {}).get("suppress_warnings", []))


def build(execute: bool, jobs: int, force: bool = False) -> int:
    from jupyter_book.sphinx import build_sphinx

    import execute_notebooks

    missing = missing_toc_files()
    if missing:
        print(f"book: _toc.yml names files that do not exist: {missing}", file=sys.stderr)
        return 2

    overrides = {"external_toc_path": str(ROOT / "_toc.yml"), "nitpicky": True, "latex_individualpages": False}
    offline = vendor_assets()
    if offline:
        overrides.update(offline_overrides())
        print("book: MathJax, require.js and the widgets manager are served from the book itself (offline-ready)")
    else:
        print("book: npm unavailable: MathJax, require.js and the widgets manager will load from CDNs (needs internet to view)")
    if execute:
        runs = execute_notebooks.execute(execute_notebooks.chapter_notebooks(), force=force, jobs=jobs)
        failed = [r for r in runs if not r.ok]
        if failed:
            names = ", ".join(str(r.notebook.relative_to(ROOT)) for r in failed)
            print(f"book: build FAILED (notebook execution: {names})", file=sys.stderr)
            return 1
        # Everything is in the cache now: Sphinx's readers only read it (see the module docstring).
        overrides["nb_execution_mode"] = "cache"
        overrides["nb_execution_cache_path"] = str(execute_notebooks.CACHE)
    else:
        overrides["nb_execution_mode"] = "off"
        # Glued numbers and the figures that MyST-NB numbers exist only in the notebooks' outputs, so
        # without running them references to those cannot resolve: the structural build checks
        # markup and the rest, and the executed build checks every glue key and label (strictly).
        overrides["suppress_warnings"] = configured_suppressions() + ["mystnb.glue", "ref.ref", "ref.numref"]

    out = ROOT / "_build" / "html"
    result = build_sphinx(
        ROOT,
        out,
        use_external_toc=True,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=overrides,
        doctreedir=ROOT / "_build" / (".doctrees" if execute else ".doctrees-structure"),
        builder="html",
        warningiserror=True,
        keep_going=True,
        freshenv=True,
        jobs=jobs,
    )
    if offline:
        copy_widget_fonts(out)
    if result != 0:
        # build_sphinx returns Sphinx's exit status, or the exception that stopped the build
        # (e.g. a failing notebook cell: execute.raise_on_error).
        reason = f"exit {result}" if isinstance(result, int) else f"{type(result).__name__}: {result}"
        print(f"book: build FAILED ({reason})", file=sys.stderr)
        return result if isinstance(result, int) and result else 1
    print(f"book: built {out / 'index.html'}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-execute", action="store_true",
                        help="structural build: do not run the notebooks (checks references and markup only)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", "2")),
                        help="notebooks executed in parallel, and Sphinx's parallel read (default 2)")
    parser.add_argument("--force", action="store_true",
                        help="re-run every notebook even if its code is unchanged (CI does)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    return build(execute=not args.no_execute, jobs=args.jobs, force=args.force)


if __name__ == "__main__":
    sys.exit(main())

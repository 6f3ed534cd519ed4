"""Numbers in the text come from the run: a chapter's prose may not *type* a computed number.

Every number a chapter quotes from a computation must be inserted with MyST-NB's ``glue``
(``glue("name", value, display=False)`` in a code cell, ``{glue:text}`name:.3f``` in the
prose), so that the page always says what the run that built it found. Typed numbers are for
constants and settings (written as math, ``$0.01$``, or code, ```lr=0.01```) and for published
results (cited).

The heuristic, applied to every markdown cell of every chapter notebook:

1. *What is checked.* The text outside ``$…$`` / ``$$…$$`` math, ``\\begin…\\end`` blocks,
   inline code, MyST roles (``{glue:text}`…```, ``{eq}`…```, ``{numref}`…``` …), link targets,
   URLs, HTML comments, fenced non-directive code blocks and directive option lines
   (``:label: …``). Everything from a ``References`` heading to the end of the notebook is
   skipped (citations carry years, pages and volumes).
2. *What looks computed.* A decimal (``0.63``, ``41.5``), a percentage (``93 %``, ``93%``,
   ``0.5 %``), or a number in scientific form (``8·10⁻⁵``, ``8 × 10^-5``, ``10⁻⁵``, ``1e-3``).
   Integers are not checked (counts, sizes and steps are usually settings).
3. *What is not a number.* Cross-references such as ``section 4.6``, ``§10.7–10.8``,
   ``Figure 1.2``, ``eq. 7``, ``chapter 3.2``, ``Python 3.11``, version strings ``1.2.3``, and the
   number that opens a heading (``## 4.3 Why …``) are removed before the search.
4. *When a typed number is allowed.* Its paragraph cites a published source by author and year
   (``Gers et al. (2002)``, ``(Hochreiter & Schmidhuber, 1997)``, ``Bengio, Simard and Frasconi
   (1994)``), or the number lies inside a text listed in the notebook's allowlist
   ``metadata["course"]["typed_numbers"]`` — a list of ``{"text": …, "why": …}``; each entry
   needs a reason and must still occur in the notebook (stale entries fail).

Also checked: every ``{glue…}`name``` used in the prose is glued by a code cell of the same
notebook, so a renamed variable cannot leave a hole in the page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))

SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# ---- what is removed before the search ---------------------------------------------------------
MASKS = [
    re.compile(r"<!--.*?-->", re.S),                          # HTML comments
    re.compile(r"\$\$.*?\$\$", re.S),                         # display math
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),    # amsmath blocks
    re.compile(r"(?<!\\)\$(?!\$).+?(?<!\\)\$", re.S),          # inline math
    re.compile(r"\{[\w:.-]+\}`[^`]*`"),                       # MyST roles: {glue:text}`x`, {eq}`y`
    re.compile(r"``.+?``", re.S),                             # double-backtick code
    re.compile(r"`[^`\n]+`"),                                  # inline code
    re.compile(r"\]\([^)]*\)"),                                # link targets
    re.compile(r"<https?://[^>]*>|https?://\S+"),             # URLs
    re.compile(r"^\s*:[\w-]+:.*$", re.M),                      # directive options (:label: …)
    re.compile(r"^#+\s+[\d.]+", re.M),                         # the number opening a heading
]
_REF = (r"(?:§|[Ss]ections?|[Ff]igs?\.|[Ff]igures?|[Ee]qs?\.|[Ee]quations?|[Cc]hapters?|[Cc]h\.|"
        r"[Tt]ables?|[Ee]xercises?|[Ee]xperiments?|[Aa]lgorithms?|[Vv]ersions?|Python|PyTorch|v)")
_NUM = r"\d+(?:\.\d+)*[a-z]?"
CROSS_REFERENCE = re.compile(rf"{_REF}\s*{_NUM}(?:\s*(?:–|-|,|and|or|to)\s*(?:{_REF}\s*)?{_NUM})*")
VERSION = re.compile(r"\b\d+\.\d+\.\d+(?:\.\d+)*\b")

# ---- what looks computed -----------------------------------------------------------------------
COMPUTED = re.compile(
    rf"\d+(?:[.,]\d+)?\s*(?:·|×|x|\*)\s*10\s*(?:\^\s*[-+−]?\d+|[⁻⁺]?[{SUP}]+)"   # 8·10⁻⁵, 8 x 10^-5
    rf"|\b10[⁻⁺][{SUP}]+"                                                     # 10⁻⁵
    r"|\b\d+(?:\.\d+)?[eE][-+−]?\d+\b"                                         # 1e-3, 2.5E+4
    r"|\b\d+(?:\.\d+)?\s*(?:%|\u00a0%|\u202f%|&nbsp;%|percent\b)"             # 93 %, 0.5 %
    r"|\b\d+\.\d+\b"                                                           # 0.63, 41.5
)

# ---- what counts as a citation of a published source -------------------------------------------
_NAME = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
_AUTHORS = rf"{_NAME}(?:\s+et\s+al\.?|(?:,?\s*(?:&|and)\s+{_NAME}|,\s*{_NAME})*)"
CITATION = re.compile(rf"{_AUTHORS}(?:’s|'s)?,?\s*\(?\s*(?:19|20)\d\d[a-z]?\b")

GLUE_USE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)")
GLUE_DEF = re.compile(r"""glue\(\s*(f?)["']([^"']+)["']""")
REFERENCES = re.compile(r"^#+\s+References\b", re.M)
FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")


def _without_plain_code_fences(text: str) -> str:
    """Drop fenced code blocks (```python …```) but keep directives (```{exercise} …```)."""
    out, in_code, fence = [], False, ""
    for line in text.split("\n"):
        m = FENCE.match(line.strip())
        if in_code:
            if m and m.group(1) == fence and not m.group(2).strip():
                in_code = False
            continue
        if m and not m.group(2).strip().startswith("{") and m.group(2).strip():
            in_code, fence = True, m.group(1)
            continue
        out.append(line)
    return "\n".join(out)


def _mask(text: str) -> str:
    """Blank out every span the rule does not check (keeping paragraph breaks)."""
    text = _without_plain_code_fences(text)
    for pattern in MASKS + [CROSS_REFERENCE, VERSION]:
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return text


def typed_numbers(markdown: str, allowed: list[str] = ()) -> list[str]:
    """The computed-looking numbers of one markdown text that are neither glued nor cited."""
    found = []
    masked = _mask(markdown)
    # paragraphs are found in the masked text; offsets are the same as in the original
    for para in re.finditer(r"(?:[^\n]+\n?)+", masked):
        original = markdown[para.start():para.end()]
        if CITATION.search(original):
            continue
        for m in COMPUTED.finditer(para.group(0)):
            start, end = para.start() + m.start(), para.start() + m.end()
            if any(_inside(markdown, start, end, text) for text in allowed):
                continue
            line = markdown[:start].count("\n") + 1
            found.append(f"line {line}: {m.group(0).strip()!r} in “{_context(markdown, start, end)}”")
    return found


def _inside(markdown: str, start: int, end: int, text: str) -> bool:
    for occ in re.finditer(re.escape(text), markdown):
        if occ.start() <= start and end <= occ.end():
            return True
    return False


def _context(markdown: str, start: int, end: int) -> str:
    return " ".join(markdown[max(0, start - 40):end + 20].split())


def _cells(path: Path) -> tuple[dict, list[dict]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return nb, nb["cells"]


def _prose(cells: list[dict]) -> list[tuple[int, str]]:
    """(cell index, markdown) for the cells before the References heading, that one truncated."""
    out = []
    for k, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        ref = REFERENCES.search(text)
        if ref:
            out.append((k, text[:ref.start()]))
            break
        out.append((k, text))
    return out


def _allowlist(nb: dict) -> list[dict]:
    return nb.get("metadata", {}).get("course", {}).get("typed_numbers", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_numbers_in_the_prose_are_glued_or_cited(path):
    nb, cells = _cells(path)
    allowed = [entry["text"] for entry in _allowlist(nb)]
    problems = []
    for k, text in _prose(cells):
        problems += [f"cell {k}, {p}" for p in typed_numbers(text, allowed)]
    assert not problems, (
        f"{path.name}: numbers typed into the prose. Glue them from the run "
        "(glue(\"name\", value, display=False); {glue:text}`name:.2f`), cite the published source "
        "in the same paragraph, write a setting as math ($0.01$), or list the text in "
        "metadata['course']['typed_numbers'] with a reason:\n  " + "\n  ".join(problems))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_typed_number_allowlist_is_justified_and_current(path):
    nb, cells = _cells(path)
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for entry in _allowlist(nb):
        assert set(entry) >= {"text", "why"} and entry["why"].strip(), f"{path.name}: {entry} needs a 'why'"
        assert entry["text"] in markdown, f"{path.name}: allowlisted text {entry['text']!r} no longer occurs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_glued_name_is_defined(path):
    _, cells = _cells(path)
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    patterns = [re.escape(name) if not fstring else re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(name))
                for fstring, name in GLUE_DEF.findall(code)]  # glue(f"x_{gate}") defines x_<word>
    missing = sorted(name for name in set(GLUE_USE.findall(markdown))
                     if not any(re.fullmatch(p, name) for p in patterns))
    assert not missing, f"{path.name}: the prose uses glue names no code cell glues: {missing}"


# ---- the heuristic itself ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "the input gate is 0.63 on X", "it reaches 93 % accuracy", "it reaches 93% accuracy",
    "the gradient is 8·10⁻⁵ at distance 50", "a loss of 1e-3", "a gradient of 10⁻⁵",
    "about 8 × 10^-5 at the end", "41.5 steps",
])
def test_heuristic_flags_typed_results(text):
    assert typed_numbers(text)


@pytest.mark.parametrize("text", [
    "the input gate is {glue:text}`gate_x:.2f` on X", "with $f = 0.95$ it keeps", "`lr=0.01`",
    "see section 4.6 and §10.7–10.8", "Figure 1.2 shows", "as in {numref}`fig-ch1-loss`",
    "Gers et al. (2002) report 62 % perfect solutions", "(Hochreiter & Schmidhuber, 1997) solved 0.97",
    "Bengio, Simard and Frasconi (1994) found 0.5", "## 4.3 Why the gradient survives",
    "on Python 3.11 and version 1.2.3", "<http://example.org/v0.5/page.html>", "30 steps, 16 units",
    "```python\nx = 0.5\n```",
])
def test_heuristic_leaves_glued_cited_and_non_numbers_alone(text):
    assert not typed_numbers(text)


def test_allowlist_covers_only_its_own_text():
    text = "chance is 25 % here; the run got 93 % there"
    left = typed_numbers(text, ["chance is 25 %"])
    assert len(left) == 1 and "93" in left[0]

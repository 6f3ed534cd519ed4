# The two commands of the README. Each sets itself up on a fresh machine (Python 3.11 or newer):
#   make book   install, then build the HTML book into _build/html/index.html (runs every chapter)
#   make test   install, then run the unit tests and every chapter notebook (nbval)
#
# Python: the first of python3, python3.13, python3.12, python3.11 on the PATH that runs and is
# 3.11 or newer (the pins in requirements.txt need 3.11). Choose another with
# `make PYTHON=/path/to/python3.12 test`.
MIN_PYTHON := 3.11
PYTHON_CANDIDATES := python3 python3.13 python3.12 python3.11
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV   ?= .venv
PY     := $(VENV)/bin/python
JUPYTERLAB := jupyterlab==4.6.6
# nbstripout's git filter: keep cell ids (its default renumbers them, rewriting every cell of a
# notebook on each commit) and drop the kernel details Jupyter adds to language_info.
NBSTRIPOUT := "$(abspath $(PY))" -m nbstripout --keep-id --extra-keys "metadata.language_info.codemirror_mode \
	metadata.language_info.file_extension metadata.language_info.mimetype \
	metadata.language_info.nbconvert_exporter metadata.language_info.pygments_lexer metadata.language_info.version"

.PHONY: book book-force test install python-check structure check-book matrix lab clean

# Stop at once, before creating anything, when no suitable Python was found or PYTHON is too old.
python-check:
	@if [ -z "$(PYTHON)" ]; then \
	  found=$$(python3 -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo none); \
	  echo "make: the course needs Python $(MIN_PYTHON) or newer; found none on the PATH (python3 is $$found)." >&2; \
	  echo "      Install one (e.g. python3.12) or point to it: make PYTHON=/path/to/python3.12 test" >&2; \
	  exit 2; \
	fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "make: the course needs Python $(MIN_PYTHON) or newer; PYTHON=$(PYTHON) is $$($(PYTHON) -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo 'not runnable')." >&2; \
	  echo "      Choose another: make PYTHON=python3.12 test" >&2; \
	  exit 2; }

$(VENV)/.installed: requirements.txt pyproject.toml | python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@# Outputs of notebooks run in place never reach a commit: git strips them (nbstripout filter;
	@# .gitattributes names it). Skipped outside a git checkout.
	-$(PY) -m nbstripout --install --attributes .gitattributes >/dev/null 2>&1 && \
	  git config filter.nbstripout.clean '$(NBSTRIPOUT)' && \
	  git config diff.ipynb.textconv '$(NBSTRIPOUT) -t'
	touch $@

install: python-check $(VENV)/.installed

# Two notebooks run at once (nbval workers, the book's executor); one BLAS/OpenMP thread each
# avoids oversubscribing two cores, which slows small models down many times over.
export OMP_NUM_THREADS ?= 1

# Re-runs only chapters whose code (or lstmlib, or recorded results) changed since the last build.
book: install
	$(PY) tools/book.py

# Re-runs every chapter (what CI does).
book-force: install
	$(PY) tools/book.py --force

test: install
	$(PY) -m pytest -n 2 --dist loadscope

# Strict build without running the notebooks: broken references and markup only (fast).
structure: install
	$(PY) tools/book.py --no-execute

# Open every built page in headless Chromium with the network off (needs Debian's chromium).
check-book: install
	$(PY) tools/check_book.py

# The other supported Pythons, Binder's and Colab's installs (nox; see noxfile.py).
matrix: install
	$(PY) -m nox

# JupyterLab inside the clone: run the chapters in place (outputs are stripped on commit).
lab: install
	$(PY) -m pip install --quiet $(JUPYTERLAB)
	$(PY) tools/lab_settings.py $(VENV)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) chapters/

clean:
	rm -rf _build book_assets .pytest_cache .nox

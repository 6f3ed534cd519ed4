# The two commands of the README. Each sets itself up on a fresh machine (Python >= 3.10):
#   make book   install, then build the HTML book into _build/html/index.html (runs every chapter)
#   make test   install, then run the unit tests and every chapter notebook (nbval)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: book test install structure check-book clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# Two notebooks run at once (nbval workers, Sphinx's parallel read); one BLAS/OpenMP thread each
# avoids oversubscribing two cores, which slows small models down many times over.
export OMP_NUM_THREADS ?= 1

book: install
	$(PY) tools/book.py

test: install
	$(PY) -m pytest -n 2 --dist loadscope

# Strict build without running the notebooks: broken references and markup only (fast).
structure: install
	$(PY) tools/book.py --no-execute

# Open every built page in headless Chromium with the network off (needs Debian's chromium).
check-book: install
	$(PY) tools/check_book.py

clean:
	rm -rf _build book_assets .pytest_cache

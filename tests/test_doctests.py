"""The examples in lstmlib's docstrings run, and print what they say they print."""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import lstmlib

MODULES = sorted(m.name for m in pkgutil.walk_packages(lstmlib.__path__, "lstmlib."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with np.printoptions(precision=4, suppress=True, legacy=False):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                 extraglobs={"np": np})
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_there_are_examples():
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for name in MODULES for t in finder.find(importlib.import_module(name)))
    assert examples >= 15

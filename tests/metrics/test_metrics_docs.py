"""Every module of abkit.metrics: its docstring examples run (doctest) and its public names are exported."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import abkit.metrics as am

MODULES = sorted(m.name for m in pkgutil.iter_modules(am.__path__, "abkit.metrics."))


@pytest.mark.parametrize("name", MODULES)
def test_metrics_module_doctests_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_metrics_public_names_resolve() -> None:
    for name in am.__all__:
        assert getattr(am, name) is not None

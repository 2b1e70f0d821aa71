"""Errors and warnings raised by abkit.

Every error abkit raises on bad input is an :class:`AbkitError`, a ``ValueError``, so callers can catch one class.
Messages name the argument or column, what was expected, what was found, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "AbkitError",
    "AbkitWarning",
    "ColumnError",
    "DataError",
    "DegenerateDataWarning",
    "ParameterError",
    "ProtocolError",
]


class AbkitError(ValueError):
    """Base class of every error abkit raises for bad input."""


class ParameterError(AbkitError):
    """An argument has the wrong type or a value outside its allowed range."""


class ColumnError(AbkitError):
    """A column is missing from the data, or has the wrong type."""


class DataError(AbkitError):
    """The data cannot be analysed as asked: missing values, empty or single arms, duplicates, ..."""


class ProtocolError(AbkitError):
    """A protocol file or object is invalid."""


class AbkitWarning(UserWarning):
    """Base class of abkit's warnings."""


class DegenerateDataWarning(AbkitWarning):
    """The data is degenerate (zero variance, tiny samples): the affected numbers are ``nan``."""

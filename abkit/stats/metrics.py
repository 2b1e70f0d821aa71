"""Metric definitions shared by the designer and the analysis.

A metric says which columns it reads and which moments it needs; the statistics are computed elsewhere
(:mod:`abkit.stats.compare`) from the per-arm moments the engines return.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import ClassVar

from abkit.errors import ParameterError

__all__ = ["Guardrail", "Mean", "Metric", "Proportion", "Ratio"]


def _check_winsorize(winsorize: tuple[float, float] | None, owner: str) -> tuple[float, float] | None:
    if winsorize is None:
        return None
    try:
        low, high = (float(q) for q in winsorize)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The 'winsorize' parameter of {owner} must be None or a pair of quantiles (low, high), "
            f"e.g. (0.0, 0.99). Got {winsorize!r} instead."
        ) from None
    if not 0.0 <= low < high <= 1.0:
        raise ParameterError(
            f"The 'winsorize' parameter of {owner} must satisfy 0 <= low < high <= 1. Got {winsorize!r} instead."
        )
    return (low, high)


def _check_name(value: object, what: str, owner: str) -> None:
    if not isinstance(value, str) or not value:
        raise ParameterError(f"The {what!r} parameter of {owner} must be a non-empty column name. Got {value!r}.")


@dataclass(frozen=True)
class Metric:
    """Base of metric definitions: a name, a desired direction and optional winsorisation."""

    kind: ClassVar[str] = "metric"

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns the metric reads, metric columns first, covariates last."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        """The metric's display name."""
        return getattr(self, "name", None) or self._default_name()

    def _default_name(self) -> str:
        raise NotImplementedError

    def _finish(self) -> None:
        owner = type(self).__name__
        _check_winsorize(getattr(self, "winsorize", None), owner)
        if getattr(self, "winsorize", None) is not None:
            object.__setattr__(self, "winsorize", _check_winsorize(self.winsorize, owner))  # type: ignore[attr-defined]
        name = getattr(self, "name", None)
        if name is not None and (not isinstance(name, str) or not name):
            raise ParameterError(f"The 'name' parameter of {owner} must be a non-empty string. Got {name!r}.")
        if name is None:
            object.__setattr__(self, "name", self._default_name())


@dataclass(frozen=True)
class Mean(Metric):
    """The mean of a unit-level column, compared by Welch's t test; CUPED when a covariate is given.

    Parameters
    ----------
    column : str
        The unit-level metric column (revenue, sessions, ...).
    covariate : str, optional
        A pre-experiment column for CUPED variance reduction (theta from the pooled arms).
    name : str, optional
        Display name; defaults to the column (with ``" (CUPED)"`` when a covariate is given).
    higher_is_better : bool, default True
        The desired direction, used by the decision and the report colours.
    winsorize : (float, float), optional
        Quantile levels (low, high) of the pooled arms at which values are clipped before the analysis, e.g.
        ``(0.0, 0.999)``. Fix them before looking at the data.

    Examples
    --------
    >>> import abkit as ab
    >>> ab.Mean("revenue", covariate="revenue_pre").label
    'revenue (CUPED)'
    """

    kind: ClassVar[str] = "mean"
    column: str
    covariate: str | None = None
    _: KW_ONLY
    name: str | None = None
    higher_is_better: bool = True
    winsorize: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _check_name(self.column, "column", "Mean")
        if self.covariate is not None:
            _check_name(self.covariate, "covariate", "Mean")
        self._finish()

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.covariate is None else (self.column, self.covariate)

    def _default_name(self) -> str:
        return self.column if self.covariate is None else f"{self.column} (CUPED)"


@dataclass(frozen=True)
class Proportion(Mean):
    """The share of units with a 0/1 outcome, compared by the two-proportion z test.

    The p-value uses the pooled variance and the interval the unpooled (Wald) variance, as R's
    ``prop.test(correct=FALSE)``. With a covariate, the comparison is CUPED on the 0/1 column (Welch's t test on the
    adjusted values, as for a Mean).

    Examples
    --------
    >>> import abkit as ab
    >>> ab.Proportion("converted").label
    'converted'
    """

    kind: ClassVar[str] = "proportion"

    def __post_init__(self) -> None:
        _check_name(self.column, "column", "Proportion")
        if self.covariate is not None:
            _check_name(self.covariate, "covariate", "Proportion")
        self._finish()


@dataclass(frozen=True)
class Ratio(Metric):
    """A ratio of means, sum(numerator) / sum(denominator), for unit-randomised tests (CTR, revenue per session).

    The variance comes from the delta method with the numerator-denominator covariance term, per arm.

    Parameters
    ----------
    numerator, denominator : str
        Unit-level columns; the metric is mean(numerator) / mean(denominator) within an arm.
    covariate : (str, str), optional
        Pre-experiment numerator and denominator for CUPED on the linearised ratio.
    name : str, optional
        Display name; defaults to ``"numerator/denominator"``.

    Examples
    --------
    >>> import abkit as ab
    >>> ab.Ratio("clicks", "displays", name="ctr").columns
    ('clicks', 'displays')
    """

    kind: ClassVar[str] = "ratio"
    numerator: str
    denominator: str
    covariate: tuple[str, str] | None = None
    _: KW_ONLY
    name: str | None = None
    higher_is_better: bool = True
    winsorize: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _check_name(self.numerator, "numerator", "Ratio")
        _check_name(self.denominator, "denominator", "Ratio")
        if self.covariate is not None:
            cov = tuple(self.covariate) if not isinstance(self.covariate, str) else (self.covariate,)
            if len(cov) != 2:
                raise ParameterError(
                    "The 'covariate' parameter of Ratio must be a pair (numerator_pre, denominator_pre). "
                    f"Got {self.covariate!r} instead."
                )
            for c in cov:
                _check_name(c, "covariate", "Ratio")
            object.__setattr__(self, "covariate", cov)
        self._finish()

    @property
    def columns(self) -> tuple[str, ...]:
        base = (self.numerator, self.denominator)
        return base if self.covariate is None else base + tuple(self.covariate)

    def _default_name(self) -> str:
        base = f"{self.numerator}/{self.denominator}"
        return base if self.covariate is None else f"{base} (CUPED)"


@dataclass(frozen=True)
class Guardrail:
    """A metric that must not degrade beyond a non-inferiority margin.

    Parameters
    ----------
    metric : Mean, Proportion or Ratio
        The guarded metric; its ``higher_is_better`` sets which direction is a degradation.
    margin : float
        The largest acceptable degradation, > 0: relative to control (0.01 = 1%) when ``relative``, else in the
        metric's units.
    relative : bool, default True

    Notes
    -----
    A guardrail passes when the one-sided (1 - alpha) confidence bound of the effect excludes a degradation of
    ``margin`` (a non-inferiority test at level alpha, not adjusted for multiplicity: all guardrails must pass, an
    intersection-union test).

    Examples
    --------
    >>> import abkit as ab
    >>> ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False), margin=0.02).margin
    0.02
    """

    metric: Mean | Proportion | Ratio
    _: KW_ONLY
    margin: float
    relative: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.metric, Metric):
            raise ParameterError(
                f"The 'metric' parameter of Guardrail must be ab.Mean, ab.Proportion or ab.Ratio. Got {self.metric!r}."
            )
        try:
            margin = float(self.margin)
        except (TypeError, ValueError):
            margin = float("nan")
        if not margin > 0 or margin == float("inf"):
            raise ParameterError(
                f"The 'margin' parameter of Guardrail must be a float > 0. Got {self.margin!r} instead."
            )
        object.__setattr__(self, "margin", margin)

    @property
    def label(self) -> str:
        return self.metric.label

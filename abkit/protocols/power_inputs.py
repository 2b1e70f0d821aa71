"""Validation and broadcasting of the inputs of :func:`sample_size`, :func:`power` and :func:`mde`.

The three solvers take the same keywords; :meth:`Problem.build` checks them once (raising
:class:`~abkit.errors.ParameterError` messages that name the parameter and the function), applies the conventions
(relative effects, the multiplicity split of alpha, CUPED, the sequential inflation) and hands the solvers flat
arrays and a power model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from abkit.errors import ParameterError
from abkit.protocols.mean_power import ShiftModel
from abkit.protocols.proportion_power import ArcsineModel, NormalProportionModel

__all__ = ["ALTERNATIVES", "CORRECTIONS", "METHODS", "Problem"]

ALTERNATIVES = ("two-sided", "greater", "less")
CORRECTIONS = ("bonferroni", "holm", "hochberg", "BH", "BY")
METHODS = {"mean": ("t", "normal"), "ratio": ("t", "normal"), "proportion": ("normal", "arcsine")}


@dataclass(frozen=True)
class Problem:
    """Validated, broadcast and flattened inputs shared by the three solvers."""

    kind: str
    shape: tuple[int, ...]
    model: Any
    baseline: np.ndarray
    effect: np.ndarray  # standardised |delta| (mean, ratio) or |delta| (proportion); nan for mde()
    scale: np.ndarray  # effect -> |delta|: the effective sd for mean/ratio, 1 for proportions
    direction: np.ndarray  # the sign of delta
    n: np.ndarray
    n_min: np.ndarray
    target: np.ndarray
    inflation: np.ndarray

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    def finish(self, values: np.ndarray) -> float | np.ndarray:
        """Reshape flat results to the broadcast shape; a float for scalar inputs."""
        out = np.asarray(values, dtype=float).reshape(self.shape)
        return float(out) if out.ndim == 0 else out

    @classmethod
    def build(cls, func: str, metric: Any, kw: dict[str, Any]) -> Problem:
        """Check the keywords ``kw`` of solver ``func`` and prepare the problem."""
        kind = _kind(metric, func)
        alternative = _choice(kw["alternative"], "alternative", func, ALTERNATIVES)
        method = kw["method"]
        method = METHODS[kind][0] if method is None else _choice(method, "method", func, METHODS[kind], kind)
        correction = None if kw["correction"] == "none" else kw["correction"]
        if correction is not None:
            correction = _choice(correction, "correction", func, CORRECTIONS)
        arms = kw["arms"]
        if isinstance(arms, bool) or not isinstance(arms, int | np.integer) or arms < 2:
            raise ParameterError(f"The 'arms' parameter of {func} must be an int >= 2. Got {arms!r} instead.")
        for flag in ("relative", "strict"):
            if not isinstance(kw[flag], bool | np.bool_):
                raise ParameterError(f"The {flag!r} parameter of {func} must be a bool. Got {kw[flag]!r} instead.")

        arr = _Arrays(func)
        alpha = arr.get(kw["alpha"], "alpha", lo=0.0, hi=1.0, what="a float in (0, 1)")
        target = (
            np.array(np.nan)
            if func == "power"
            else arr.get(kw["power"], "power", lo=0.0, hi=1.0, what="a float in (0, 1)")
        )
        r = arr.get(kw["ratio"], "ratio", lo=0.0, what="a float > 0 (treatment units per control unit)")
        inflation = arr.get(kw["inflation"], "inflation", lo=1.0, lo_open=False, what="a float >= 1")
        rho = kw["covariate_correlation"]
        rho = np.array(0.0) if rho is None else arr.get(rho, "covariate_correlation", lo=-1, hi=1, what="in (-1, 1)")
        n = np.array(np.nan) if func == "sample_size" else arr.get(kw["n"], "n", lo=0.0, what="a float > 0")
        sd = _sd(kw["sd"], kind, func, arr)
        baseline = _baseline(kw["baseline"], kind, func, bool(kw["relative"]), arr)
        mde = np.array(np.nan) if func == "mde" else arr.get(kw["mde"], "mde", what="a finite float")

        alpha, target, r, inflation, rho, n, sd, baseline, mde = np.broadcast_arrays(
            alpha, target, r, inflation, rho, n, sd, baseline, mde
        )
        shape = alpha.shape
        alpha, target, r, inflation, rho, n, sd, baseline, mde = (
            np.array(v, dtype=float).ravel() for v in (alpha, target, r, inflation, rho, n, sd, baseline, mde)
        )
        tails = 2 if alternative == "two-sided" else 1
        strict = bool(kw["strict"]) and tails == 2  # the other tail exists only for a two-sided test
        split = arms - 1 if correction is not None else 1
        a_tail = alpha / split / tails
        if func != "power" and np.any(target <= a_tail):
            low = target <= a_tail
            raise ParameterError(
                f"The 'power' parameter of {func} must exceed the level of the test per tail "
                f"(alpha / {split * tails} = {a_tail[low][0]:.4g}). Got {_show(target[low][0])} instead."
            )

        if func == "mde":
            direction = np.full(alpha.size, -1.0 if alternative == "less" else 1.0)
            delta = np.full(alpha.size, np.nan)
        else:
            delta = mde * baseline if kw["relative"] else mde
            _check_sign(delta, mde, alternative, func)
            direction = np.sign(delta)

        vf = 1.0 - rho**2
        model: Any
        if kind == "proportion":
            if func != "mde":
                p2 = baseline + delta
                if np.any((p2 <= 0) | (p2 >= 1)):
                    raise ParameterError(
                        f"The 'mde' parameter of {func} must keep the treatment proportion baseline + delta inside "
                        f"(0, 1). Got {_show(p2[(p2 <= 0) | (p2 >= 1)][0])} instead."
                    )
            cls_ = ArcsineModel if method == "arcsine" else NormalProportionModel
            model = cls_(baseline, direction, a_tail, r, vf, strict=strict)
            scale = np.ones(alpha.size)
            n_min = np.zeros(alpha.size)
        else:
            model = ShiftModel(a_tail, r, strict=strict, method=method)
            scale = sd * np.sqrt(vf)
            n_min = model.min_n(np.arange(alpha.size))
        effect = np.abs(delta) / scale
        if func != "sample_size" and np.any(n / inflation <= n_min):
            raise ParameterError(
                f"The 'n' parameter of {func} must leave the t test positive degrees of freedom: "
                f"n * (1 + ratio) / inflation > 2. Got {_show(n[n / inflation <= n_min][0])} instead."
            )
        return cls(kind, shape, model, baseline, effect, scale, direction, n, n_min, target, inflation)


class _Arrays:
    """Numeric parameters as float arrays, with one error message template."""

    def __init__(self, func: str) -> None:
        self.func = func

    def get(
        self,
        value: Any,
        name: str,
        *,
        lo: float = -np.inf,
        hi: float = np.inf,
        lo_open: bool = True,
        what: str,
    ) -> np.ndarray:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.dtype == object:
            raise ParameterError(f"The {name!r} parameter of {self.func} must be {what}. Got {value!r} instead.")
        above = arr > lo if lo_open else arr >= lo
        ok = np.isfinite(arr) & above & (arr < hi)
        if not np.all(ok):
            raise ParameterError(
                f"The {name!r} parameter of {self.func} must be {what}. Got {_show(arr[~ok].flat[0])} instead."
            )
        return arr


def _show(value: Any) -> str:
    """A number as a user typed it: ``1.5``, not ``np.float64(1.5)``."""
    return repr(float(value))


def _kind(metric: Any, func: str) -> str:
    kind = metric if isinstance(metric, str) else getattr(metric, "kind", None)
    if kind not in METHODS:
        hint = " (for a Guardrail pass guardrail.metric)" if hasattr(metric, "margin") else ""
        raise ParameterError(
            f"The 'metric' parameter of {func} must be a Mean, Proportion or Ratio metric or one of "
            f"'mean', 'proportion', 'ratio'{hint}. Got {metric!r} instead."
        )
    return str(kind)


def _choice(value: Any, name: str, func: str, allowed: tuple[str, ...], kind: str | None = None) -> str:
    if value not in allowed:
        scope = f" for a {kind} metric" if kind else ""
        options = ", ".join(repr(a) for a in allowed)
        raise ParameterError(
            f"The {name!r} parameter of {func} must be one of {options}{scope}. Got {value!r} instead."
        )
    return str(value)


def _sd(sd: Any, kind: str, func: str, arr: _Arrays) -> np.ndarray:
    if kind == "proportion":
        if sd is not None:
            raise ParameterError(
                f"The 'sd' parameter of {func} must be None for a proportion: the baseline sets the variance. "
                f"Got {sd!r} instead."
            )
        return np.array(np.nan)
    if sd is None:
        raise ParameterError(
            f"The 'sd' parameter of {func} is required for a {kind} metric: pass the per-unit standard deviation"
            + (" of the linearised ratio (see ratio_sd)." if kind == "ratio" else ".")
        )
    return arr.get(sd, "sd", lo=0.0, what="a float > 0")


def _baseline(baseline: Any, kind: str, func: str, relative: bool, arr: _Arrays) -> np.ndarray:
    if kind == "proportion":
        if baseline is None:
            raise ParameterError(f"The 'baseline' parameter of {func} is required for a proportion (in (0, 1)).")
        return arr.get(baseline, "baseline", lo=0.0, hi=1.0, what="a proportion in (0, 1)")
    if baseline is None:
        if relative:
            raise ParameterError(f"The 'baseline' parameter of {func} is required when relative=True.")
        return np.array(np.nan)
    out = arr.get(baseline, "baseline", what="a finite float")
    if relative and np.any(out == 0):
        raise ParameterError(f"The 'baseline' parameter of {func} must be nonzero when relative=True. Got 0 instead.")
    return out


def _check_sign(delta: np.ndarray, mde: np.ndarray, alternative: str, func: str) -> None:
    if np.any(delta == 0):
        raise ParameterError(f"The 'mde' parameter of {func} must be nonzero. Got 0 instead.")
    if alternative == "greater" and np.any(delta < 0):
        raise ParameterError(
            f"The 'mde' parameter of {func} must be > 0 when alternative='greater' (treatment > control). "
            f"Got {_show(mde[delta < 0][0])} instead; use alternative='less' to detect a decrease."
        )
    if alternative == "less" and np.any(delta > 0):
        raise ParameterError(
            f"The 'mde' parameter of {func} must be < 0 when alternative='less' (treatment < control). "
            f"Got {_show(mde[delta > 0][0])} instead; use alternative='greater' to detect an increase."
        )

"""Two-sample t tests on means (Welch by default), on arrays or on per-arm summaries."""

from __future__ import annotations

from abkit.engines.moments import Summary
from abkit.errors import DataError
from abkit.stats.inference import Comparison, Estimate, as_float_array, compare, welch_df

__all__ = ["mean_estimate", "ttest"]


def mean_estimate(control: Summary, treatment: Summary, column: str, *, equal_var: bool = False) -> Estimate:
    """The difference of means of ``column`` with Welch's (or the pooled) variance."""
    nc, nt = control.n, treatment.n
    mc, mt = control.mean_of(column), treatment.mean_of(column)
    vc, vt = control.var_of(column), treatment.var_of(column)
    if equal_var:
        pooled = ((nc - 1) * vc + (nt - 1) * vt) / (nc + nt - 2)
        var_c, var_t = pooled / nc, pooled / nt
        df = float(nc + nt - 2)
    else:
        var_c, var_t = vc / nc, vt / nt
        df = welch_df(var_c, nc, var_t, nt)
    return Estimate(
        control=mc,
        treatment=mt,
        effect=mt - mc,
        var_effect=var_c + var_t,
        df=df,
        base=mc,
        var_base=var_c,
        cov_effect_base=-var_c,
    )


def ttest(
    control: object,
    treatment: object,
    *,
    equal_var: bool = False,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    rel_method: str = "delta",
) -> Comparison:
    """Two-sample t test of ``mean(treatment) - mean(control)``.

    Parameters
    ----------
    control, treatment : array_like or Summary
        Unit-level values of each arm, or their :class:`abkit.Summary` (one column).
    equal_var : bool, default False
        False: Welch's test with Welch-Satterthwaite degrees of freedom. True: the pooled-variance Student test.
        For large samples Welch's t is the z test (the t distribution tends to the normal).
    alternative : {"two-sided", "greater", "less"}
        "greater" tests treatment > control.
    confidence_level : float, default 0.95
    rel_method : {"delta", "log"}
        Interval of the relative effect: delta method on the ratio of means, or on the log ratio.

    Returns
    -------
    Comparison
        ``effect``, ``ci_low``, ``ci_high``, ``pvalue``, ``statistic``, ``df``, relative effect and interval.
        Equals R's ``t.test(treatment, control, var.equal=equal_var)``.

    Examples
    --------
    >>> import abkit as ab
    >>> r = ab.stats.ttest([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    >>> round(r.effect, 3), round(r.pvalue, 4)
    (1.25, 0.2903)
    """
    sc = _as_summary(control, "control", "ttest")
    tc = _as_summary(treatment, "treatment", "ttest")
    col = sc.columns[0]
    tc = Summary(tc.n, (col,), tc.mean[:1], tc.cov[:1, :1])
    est = mean_estimate(sc, tc, col, equal_var=equal_var)
    return compare(
        est,
        metric=col,
        variant="treatment",
        n_control=sc.n,
        n_treatment=tc.n,
        method="Student t (pooled)" if equal_var else "Welch t",
        alternative=alternative,
        confidence_level=confidence_level,
        rel_method=rel_method,
        owner="ttest",
    )


def _as_summary(x: object, name: str, owner: str) -> Summary:
    s = x if isinstance(x, Summary) else Summary.from_arrays({"value": as_float_array(x, name, owner)})
    if s.n < 2:
        raise DataError(f"The {name!r} arm of {owner} has {s.n} value(s); each arm needs at least 2.")
    return s

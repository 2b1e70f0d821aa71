"""Plain-language descriptions of the methods behind a result, with references, for the reports' appendix."""

from __future__ import annotations

from typing import Any

__all__ = ["for_experiment"]

_METHODS = {
    "Welch t": (
        "Welch's two-sample t test on unit-level means, with Welch-Satterthwaite degrees of freedom.",
        "Welch, B. L. (1947). The generalization of Student's problem when several different population variances "
        "are involved. Biometrika 34, 28-35.",
    ),
    "two-proportion z": (
        "Two-proportion z test: pooled variance for the p-value, unpooled (Wald) variance for the interval, as R's "
        "prop.test without continuity correction.",
        "Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions. "
        "Statistics in Medicine 17, 873-890.",
    ),
    "ratio of means": (
        "Ratio of means per arm (sum of numerator over sum of denominator) with the delta-method variance, which "
        "includes the numerator-denominator covariance; valid when units (not events) are randomised.",
        "Deng, A., Knoblich, U., Lu, J. (2018). Applying the delta method in metric analytics: a practical guide "
        "with novel ideas. KDD.",
    ),
    "CUPED": (
        "CUPED: the effect is adjusted by a pre-experiment covariate with the slope theta = cov(y, x) / var(x) "
        "estimated on both arms pooled; it removes the variance the covariate explains without biasing the effect.",
        "Deng, A., Xu, Y., Kohavi, R., Walker, T. (2013). Improving the sensitivity of online controlled "
        "experiments by utilizing pre-experiment data. WSDM.",
    ),
}
_CORRECTIONS = {
    "holm": "Holm's step-down procedure (family-wise error rate). Holm, S. (1979). Scand. J. Statist. 6, 65-70.",
    "bonferroni": "Bonferroni correction (family-wise error rate).",
    "hochberg": "Hochberg's step-up procedure (family-wise error rate). Hochberg, Y. (1988). Biometrika 75, 800-802.",
    "BH": "Benjamini-Hochberg (false discovery rate). Benjamini, Y., Hochberg, Y. (1995). JRSS B 57, 289-300.",
    "BY": "Benjamini-Yekutieli (false discovery rate under dependence). Ann. Statist. 29 (2001), 1165-1188.",
}


def for_experiment(result: Any) -> list[dict[str, str]]:
    """One entry per method the analysis used, plus the multiplicity, relative-effect, SRM and decision rules."""
    used = {c.method for c in result.comparisons}
    out = []
    for key, (text, ref) in _METHODS.items():
        if any(key in m for m in used):
            out.append({"name": key, "text": text, "reference": ref})
    rel = {c.rel_method for c in result.comparisons}
    out.append(
        {
            "name": "Relative effects",
            "text": "Relative effect = effect / control mean; interval by the delta method"
            + (" (log scale: log of the ratio of means, exponentiated)" if "log" in rel else "")
            + ". Intervals are per comparison; p-values are adjusted.",
            "reference": "Kohavi, R., Tang, D., Xu, Y. (2020). Trustworthy Online Controlled Experiments. CUP.",
        }
    )
    if result.correction:
        out.append(
            {
                "name": "Multiple testing",
                "text": f"{_CORRECTIONS.get(result.correction, result.correction)} Applied over the primary family "
                "(primary metrics x treatment arms) and separately over secondary metrics; guardrails are one-sided "
                f"non-inferiority tests at alpha = {result.alpha:g}, each of which must pass.",
                "reference": "",
            }
        )
    out.append(
        {
            "name": "Sample-ratio mismatch",
            "text": f"Pearson chi-square goodness of fit of units per arm against the planned split; p < "
            f"{result.srm.threshold:g} makes the experiment invalid.",
            "reference": "Fabijan, A. et al. (2019). Diagnosing sample ratio mismatch in online controlled "
            "experiments. KDD.",
        }
    )
    out.append(
        {
            "name": "Decision rule",
            "text": "Ship when a primary metric is significantly better, none is significantly worse and every "
            "guardrail is within its margin; no-ship when a primary metric is significantly worse or a guardrail "
            "degrades beyond its margin; inconclusive otherwise; invalid on sample-ratio mismatch.",
            "reference": "",
        }
    )
    return out

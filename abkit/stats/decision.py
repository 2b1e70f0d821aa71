"""The decision rule: ship, no-ship, inconclusive or invalid, with its reasons.

Per treatment arm, against control:

- the arm is *harmful* when a primary metric is significantly worse (adjusted p < alpha, effect in the undesired
  direction) or a guardrail is shown to degrade beyond its margin (its interval lies entirely past the margin);
- the arm is *ship-worthy* when every primary metric was estimated, at least one is significantly better, none is
  significantly worse, and every guardrail passes its non-inferiority test.

The experiment is *invalid* when the sample-ratio check fails (the numbers cannot be trusted); otherwise *ship* when an
arm is ship-worthy (among several, the one with the largest relative gain on the first primary metric in its desired
direction), *no-ship* when no arm is ship-worthy and one is harmful, and *inconclusive* otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from abkit.results import printable

__all__ = ["Decision", "decide"]

VERDICTS = ("ship", "no-ship", "inconclusive", "invalid")


class Decision(str):
    """A verdict string ("ship", "no-ship", "inconclusive", "invalid") that carries its reasons and chosen arm.

    Examples
    --------
    >>> d = Decision("ship", reasons=("revenue is better",), arm="treatment")
    >>> d == "ship", d.reasons
    (True, ('revenue is better',))
    """

    reasons: tuple[str, ...]
    arm: str | None

    def __new__(cls, verdict: str, *, reasons: Sequence[str] = (), arm: str | None = None) -> Decision:
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")
        obj = super().__new__(cls, verdict)
        obj.reasons = tuple(reasons)
        obj.arm = arm
        return obj

    @property
    def verdict(self) -> str:
        return str.__str__(self)

    def to_dict(self) -> dict[str, object]:
        return {"verdict": self.verdict, "arm": self.arm, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class _Row:
    metric: str
    variant: str
    role: str
    effect: float
    rel_effect: float
    pvalue_adj: float
    higher_is_better: bool
    guardrail_pass: bool | None
    guardrail_harm: bool | None


def decide(
    rows: Sequence[_Row], *, arms: Sequence[str], alpha: float, srm_mismatch: bool, srm_pvalue: float
) -> Decision:
    """Apply the rule of this module's docstring to the rows of an analysis."""
    if srm_mismatch:
        return Decision(
            "invalid",
            reasons=(
                f"sample-ratio mismatch (p = {srm_pvalue:.3g}): assignment or logging is broken; "
                "do not read the effects.",
            ),
        )
    worthy: list[tuple[float, str, list[str]]] = []
    harmful: list[str] = []
    notes: list[str] = []
    for arm_name in arms:
        mine = [r for r in rows if r.variant == arm_name]
        arm = printable(arm_name)
        primaries = [r for r in mine if r.role == "primary"]
        better: list[str] = []
        worse: list[str] = []
        unknown: list[str] = []
        for r in primaries:
            if not math.isfinite(r.pvalue_adj):
                unknown.append(printable(r.metric))
                continue
            good_direction = (r.effect > 0) == r.higher_is_better
            if r.pvalue_adj < alpha and r.effect != 0:
                (better if good_direction else worse).append(printable(r.metric))
        guards = [r for r in mine if r.role == "guardrail"]
        failed = [printable(r.metric) for r in guards if r.guardrail_harm]
        unproven = [printable(r.metric) for r in guards if not r.guardrail_pass and not r.guardrail_harm]
        reasons = []
        if better:
            reasons.append(f"{arm}: significantly better on {', '.join(better)}")
        if worse:
            reasons.append(f"{arm}: significantly worse on {', '.join(worse)}")
        if unknown:
            reasons.append(f"{arm}: could not estimate {', '.join(unknown)}")
        if failed:
            reasons.append(f"{arm}: guardrail {', '.join(failed)} degraded beyond its margin")
        if unproven:
            reasons.append(f"{arm}: guardrail {', '.join(unproven)} not shown to be within its margin")
        if passed := [printable(r.metric) for r in guards if r.guardrail_pass]:
            reasons.append(f"{arm}: guardrail {', '.join(passed)} within its margin")
        if not better and not worse and not unknown:
            reasons.append(f"{arm}: no primary metric differs significantly from control at alpha = {alpha:g}")
        if worse or failed:
            harmful.append(arm_name)
        elif better and not unknown and not unproven:
            first = primaries[0]
            gain = first.rel_effect if first.higher_is_better else -first.rel_effect
            worthy.append((gain if math.isfinite(gain) else -math.inf, arm_name, reasons))
        notes.extend(reasons)
    if worthy:
        worthy.sort(key=lambda t: (-t[0], t[1]))
        best = worthy[0]
        extra = [f"{printable(best[1])} has the largest gain among ship-worthy arms"] if len(worthy) > 1 else []
        return Decision("ship", reasons=tuple(best[2] + extra + [n for n in notes if n not in best[2]]), arm=best[1])
    if harmful:
        return Decision("no-ship", reasons=tuple(notes), arm=None)
    return Decision("inconclusive", reasons=tuple(notes), arm=None)

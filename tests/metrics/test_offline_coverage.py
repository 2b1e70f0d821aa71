"""Coverage of the 95% intervals on synthetic logs with a known true value (slow).

One synthetic log of ``SEEDS * N`` i.i.d. rows is cut into ``SEEDS`` independent logs of ``N`` rows by a ``seed``
column; one engine pass with ``by=("seed",)`` gives every log's moments and the estimators run on all of them at once.
The logging policy is an epsilon-greedy softmax, the candidate a different softmax, rewards Bernoulli with known
means, and the reward model is misspecified (DR stays unbiased through the true propensities).

With 2,000 logs the standard error of a coverage near 0.95 is 0.005, so the band [0.93, 0.97] is four standard
errors wide on each side: a correct interval passes, an interval whose coverage is off by 2.5 points fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import abkit.metrics as am
from abkit.engines import compute_moments
from abkit.metrics.delta import GroupMeans
from abkit.metrics.estimators import get_estimator
from abkit.metrics.logs import LogColumns, parse_candidates
from abkit.metrics.plan import make_plan

SEEDS, N = 2000, 2000


@pytest.mark.slow
def test_offline_intervals_cover_true_value_and_lift() -> None:
    logs = am.make_bandit_logs(SEEDS * N, seed=2024, target_temperature=1.0, epsilon=0.2)
    logs["seed"] = np.arange(len(logs)) // N
    truth, true_lift = logs.attrs["true_value"], logs.attrs["true_lift"]
    estimators = [get_estimator(e) for e in ("ips", "snips", "dr", "sndr")]
    plan = make_plan(parse_candidates(None, LogColumns()), estimators, LogColumns(), cap=10.0)
    gm = GroupMeans.from_moments(compute_moments(logs, plan.request(by=("seed",))))
    table = plan.estimates(gm, confidence_level=0.95)
    assert len(table) == SEEDS * len(estimators)
    for name in ("ips", "snips", "dr", "sndr"):
        t = table[table["estimator"] == name]
        coverage = ((t["ci_low"] < truth) & (truth < t["ci_high"])).mean()
        lift_coverage = ((t["lift_ci_low"] < true_lift) & (true_lift < t["lift_ci_high"])).mean()
        assert 0.93 <= coverage <= 0.97, (name, coverage)
        assert 0.93 <= lift_coverage <= 0.97, (name, lift_coverage)


@pytest.mark.slow
def test_offline_heavy_weights_capping_trades_bias_for_variance() -> None:
    logs = am.make_bandit_logs(400 * 5000, seed=7)  # the default, heavy-weighted world
    logs["seed"] = np.arange(len(logs)) // 5000
    truth = logs.attrs["true_value"]
    plan = make_plan(
        parse_candidates(None, LogColumns()), [get_estimator("ips"), get_estimator("capped_ips")], LogColumns(), cap=5.0
    )
    t = plan.estimates(GroupMeans.from_moments(compute_moments(logs, plan.request(by=("seed",)))))
    ips, capped = t[t["estimator"] == "ips"]["value"], t[t["estimator"] == "capped_ips"]["value"]
    assert abs(ips.mean() - truth) < 3 * ips.std() / np.sqrt(len(ips))  # IPS unbiased
    assert capped.mean() < truth - 10 * capped.std() / np.sqrt(len(capped))  # capped: biased low (rewards >= 0)
    assert capped.std() < 0.6 * ips.std()  # ... with a smaller variance

"""The registry of offline estimators: names users type -> estimator classes.

Every entry is a frozen dataclass implementing :class:`abkit.metrics.terms.Estimator`; the common tests in
``tests/metrics/test_estimators.py`` run over all of them (as scikit-learn's common tests do for its metrics).

Examples
--------
>>> from abkit.metrics.estimators import ESTIMATORS, get_estimator
>>> sorted(ESTIMATORS)[:4]
['capped_ips', 'dm', 'dr', 'dr_os']
>>> get_estimator("ncis").key, get_estimator(("switch_dr", {"tau": 5.0})).key
('ncis', 'switch_dr(tau=5.0)')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abkit.errors import ParameterError
from abkit.metrics.dr import DM, DR, SNDR, DRos, SwitchDR
from abkit.metrics.ips import IPS, SNIPS, CappedIPS, ZeroCappedIPS
from abkit.metrics.ncis import NCIS, PieceNCIS, PointNCIS
from abkit.metrics.replay import Replay
from abkit.metrics.terms import Estimator

__all__ = ["ESTIMATORS", "EstimatorSpec", "get_estimator"]

ESTIMATORS: dict[str, type[Estimator]] = {
    cls.name: cls
    for cls in (IPS, SNIPS, CappedIPS, ZeroCappedIPS, NCIS, PieceNCIS, PointNCIS, DM, DR, SNDR, SwitchDR, DRos, Replay)
}

EstimatorSpec = str | Estimator | tuple[str, Mapping[str, Any]]


def get_estimator(spec: EstimatorSpec) -> Estimator:
    """An estimator from a registry name, a ``(name, params)`` pair or an estimator instance."""
    if isinstance(spec, Estimator):
        return spec
    params: Mapping[str, Any] = {}
    if isinstance(spec, tuple) and len(spec) == 2:
        spec, params = spec
    if not isinstance(spec, str) or spec not in ESTIMATORS:
        raise ParameterError(
            f"The 'estimators' parameter of evaluate must hold names among {', '.join(sorted(ESTIMATORS))} "
            f"(or estimator objects). Got {spec!r} instead."
        )
    try:
        return ESTIMATORS[spec](**dict(params))
    except TypeError as e:
        raise ParameterError(f"estimator {spec!r}: bad parameters {dict(params)!r} ({e}).") from None

"""Logged data for offline evaluation: column roles, candidates, validation from moments, and ``from_dense``.

Logs are long and tidy, one row per logged decision (or per slot of a logged slate): ``reward``, ``propensity`` (the
logging policy's probability of what was shown), ``target_propensity`` (the candidate's probability of the same),
optional ``q_hat`` and ``v_hat`` (reward model at the logged action, and its expected value under the candidate),
``slate_id``, ``position`` and ``context_value``. Validation reads only moments (counts of missing and infinite
values, sums of indicators, minima and maxima), so it runs unchanged on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines import MomentsRequest, compute_moments
from abkit.engines.expr import Expr, col
from abkit.engines.moments import Moments
from abkit.errors import ColumnError, DataError, ParameterError

__all__ = ["Candidate", "LogColumns", "check_logs", "from_dense", "parse_candidates", "run_moments"]


@dataclass(frozen=True)
class LogColumns:
    """The data's column name for each role (defaults: the role names)."""

    reward: str = "reward"
    propensity: str = "propensity"
    target_propensity: str = "target_propensity"
    q_hat: str = "q_hat"
    v_hat: str = "v_hat"
    slate_id: str = "slate_id"
    position: str = "position"
    context_value: str = "context_value"
    normaliser: str = "normaliser"

    @classmethod
    def of(cls, columns: LogColumns | Mapping[str, str] | None, owner: str = "evaluate") -> LogColumns:
        if columns is None:
            return cls()
        if isinstance(columns, LogColumns):
            return columns
        if not isinstance(columns, Mapping):
            raise ParameterError(
                f"The 'columns' parameter of {owner} must be a dict role -> column name. Got {columns!r} instead."
            )
        roles = {f.name for f in fields(cls)}
        unknown = sorted(set(columns) - roles)
        if unknown:
            raise ParameterError(
                f"The 'columns' parameter of {owner} has unknown roles {unknown}; "
                f"roles are: {', '.join(sorted(roles))}."
            )
        return replace(cls(), **dict(columns))


@dataclass(frozen=True)
class Candidate:
    """One candidate policy: its name and the columns that describe it."""

    name: str
    target_propensity: str
    v_hat: str | None = None
    normaliser: str | None = None


def parse_candidates(candidates: Any, columns: LogColumns, owner: str = "evaluate") -> list[Candidate]:
    """Candidates from None (one, from ``columns``), a column name, a list of names, or a dict name -> spec.

    A dict value is a target-propensity column name or a dict with keys ``target_propensity``, ``v_hat``,
    ``normaliser``.

    Examples
    --------
    >>> [c.name for c in parse_candidates({"a": "tp_a", "b": {"target_propensity": "tp_b"}}, LogColumns())]
    ['a', 'b']
    """
    if candidates is None:
        return [Candidate("candidate", columns.target_propensity, columns.v_hat, columns.normaliser)]
    if isinstance(candidates, str):
        return [Candidate(candidates, candidates, columns.v_hat, columns.normaliser)]
    out: list[Candidate] = []
    if isinstance(candidates, Mapping):
        for name, spec in candidates.items():
            if isinstance(spec, str):
                out.append(Candidate(str(name), spec))
            elif isinstance(spec, Mapping) and "target_propensity" in spec:
                extra = set(spec) - {"target_propensity", "v_hat", "normaliser"}
                if extra:
                    raise ParameterError(f"candidate {name!r}: unknown keys {sorted(extra)} in {owner}'s candidates.")
                out.append(Candidate(str(name), spec["target_propensity"], spec.get("v_hat"), spec.get("normaliser")))
            else:
                raise ParameterError(
                    f"The 'candidates' parameter of {owner}: candidate {name!r} must be a column name or a dict with "
                    f"a 'target_propensity' key. Got {spec!r} instead."
                )
    elif isinstance(candidates, Sequence):
        out = [Candidate(str(c), str(c)) for c in candidates]
    else:
        raise ParameterError(
            f"The 'candidates' parameter of {owner} must be a column name, a list or a dict. Got {candidates!r}."
        )
    if not out:
        raise ParameterError(f"The 'candidates' parameter of {owner} is empty; give at least one candidate.")
    if len({c.name for c in out}) != len(out):
        raise ParameterError(f"The 'candidates' parameter of {owner} has duplicated names.")
    return out


def run_moments(
    data: Any, request: MomentsRequest, roles: Mapping[str, str] | None = None, engine: str | None = None
) -> Moments:
    """``compute_moments`` (on ``engine``, default: the data's own) with missing-column errors naming the role."""
    try:
        if engine is None:
            return compute_moments(data, request)
        return compute_moments(data, request, engine=engine)  # type: ignore[call-arg]
    except ColumnError as e:
        msg = str(e)
        for role, name in (roles or {}).items():
            if f"column {name!r} not found" in msg:
                hint = f"It is the {role!r} column; name yours with columns={{'{role}': ...}}."
                raise ColumnError(f"{msg}. {hint}") from None
        raise


def _rows(k: int) -> str:
    return f"{k} row" + ("s" if k != 1 else "")


def _outside(k: int) -> str:
    return f"{_rows(k)} {'is' if k == 1 else 'are'} outside"


def check_logs(
    data: Any,
    columns: Mapping[str, str],
    *,
    probabilities: Sequence[str] = ("propensity",),
    targets: Sequence[str] = (),
    owner: str = "evaluate",
) -> Moments:
    """Validate the raw columns of ``data`` (role -> column) from their moments; return the moments.

    Raises DataError for missing or infinite values (counted per column), logging propensities outside (0, 1]
    (roles in ``probabilities``) and target propensities outside [0, 1] (roles in ``targets``).
    """
    names = list(dict.fromkeys(columns.values()))
    derived: dict[str, Expr] = {}
    for role in probabilities:
        p = col(columns[role])
        derived[f"__bad_{role}"] = p.le(0.0) + p.gt(1.0)
    for role in targets:
        t = col(columns[role])
        derived[f"__bad_{role}"] = t.lt(0.0) + t.gt(1.0)
    request = MomentsRequest(columns=tuple(names) + tuple(derived), derived=derived, pairs=(), extremes=True)
    m = run_moments(data, request, columns).reduce([])
    k = len(names)
    missing = {c: int(m.missing[0, j]) for j, c in enumerate(names) if m.missing[0, j]}
    if missing:
        listing = ", ".join(f"{c!r}: {_rows(v)}" for c, v in missing.items())
        raise DataError(
            f"the logs have missing values ({listing} of {int(m.rows[0])}); drop or fill them first "
            "(abkit does not drop rows silently)."
        )
    infinite = {c: int(m.infinite[0, j]) for j, c in enumerate(names) if m.infinite[0, j]}
    if infinite:
        listing = ", ".join(f"{c!r}: {_rows(v)}" for c, v in infinite.items())
        raise DataError(f"the logs have infinite values ({listing}); fix or drop those rows first.")
    for j, key in enumerate(derived, start=k):
        bad = round(float(m.sums[0, j] + m.n[0] * m.shift[j]))
        if bad:
            role = key.removeprefix("__bad_")
            c = columns[role]
            i = names.index(c)
            lo, hi = m.minimum[0, i], m.maximum[0, i]
            if role in probabilities:
                raise DataError(
                    f"column {c!r} ({role}) must hold probabilities in (0, 1]; {_outside(bad)} (min {lo:g}, "
                    f"max {hi:g}). A logged action with propensity 0 cannot be reweighted: fix the logging or drop "
                    "those rows."
                )
            raise DataError(
                f"column {c!r} ({role}) must hold probabilities in [0, 1]; {_outside(bad)} (min {lo:g}, max {hi:g})."
            )
    return m


def _dense(a: Any, name: str, ndim: int) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim != ndim:
        raise ParameterError(f"The {name!r} parameter of from_dense must be {ndim}-dimensional. Got shape {arr.shape}.")
    return arr


def from_dense(
    action_dist: np.ndarray | Mapping[str, np.ndarray],
    action: Sequence[int] | np.ndarray,
    reward: Sequence[float] | np.ndarray,
    pscore: Sequence[float] | np.ndarray,
    *,
    position: Sequence[int] | np.ndarray | None = None,
    estimated_rewards_by_reg_model: np.ndarray | None = None,
    context_value: Sequence[float] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Long-form logs from dense per-action arrays (the Open Bandit Pipeline layout).

    Parameters
    ----------
    action_dist : array (n, n_actions, len_list), or dict name -> array
        The candidate policy's action probabilities per round (and position); a dict gives several candidates.
    action, reward, pscore : arrays (n,)
        The logged action, its reward and its logging propensity.
    position : array (n,), optional
        The logged position (0-based as in OBP); default 0.
    estimated_rewards_by_reg_model : array (n, n_actions, len_list), optional
        A reward model's predictions: gives ``q_hat`` (at the logged action) and ``v_hat`` (expected under the
        candidate).
    context_value : array (n,), optional

    Returns
    -------
    DataFrame with ``action``, ``position``, ``reward``, ``propensity`` and ``target_propensity`` (one candidate) or
    ``target_propensity_<name>`` (several); ``q_hat`` and ``v_hat`` (or ``v_hat_<name>``) with a reward model.

    Examples
    --------
    >>> import numpy as np
    >>> dist = np.array([[[0.2], [0.8]], [[0.5], [0.5]]])
    >>> from_dense(dist, action=[1, 0], reward=[1.0, 0.0], pscore=[0.5, 0.5])["target_propensity"].tolist()
    [0.8, 0.5]
    """
    act = np.asarray(action)
    if act.ndim != 1 or not np.issubdtype(act.dtype, np.integer):
        raise ParameterError("The 'action' parameter of from_dense must be a 1-d array of integer action indices.")
    n = len(act)
    pos = np.zeros(n, dtype=np.int64) if position is None else np.asarray(position).astype(np.int64)
    frame = pd.DataFrame({"action": act, "position": pos})
    for name, arr in (("reward", reward), ("propensity", pscore)):
        v = np.asarray(arr, dtype=float)
        if v.shape != (n,):
            raise ParameterError(f"The {name!r} array of from_dense must have shape ({n},). Got {v.shape}.")
        frame[name] = v
    dists = dict(action_dist) if isinstance(action_dist, Mapping) else {"": action_dist}
    q = None if estimated_rewards_by_reg_model is None else _dense(estimated_rewards_by_reg_model, "q", 3)
    rows = np.arange(n)
    for key, dist in dists.items():
        d = _dense(dist, "action_dist", 3)
        if d.shape[0] != n or act.max(initial=0) >= d.shape[1] or pos.max(initial=0) >= d.shape[2]:
            raise ParameterError(
                f"action_dist{'[' + repr(key) + ']' if key else ''} has shape {d.shape}; it must be (n={n}, "
                "n_actions, len_list) with every logged action and position inside."
            )
        total = d.sum(axis=1)
        if not np.allclose(total, 1.0, atol=1e-8):
            raise ParameterError("action_dist must sum to 1 over actions for every round and position.")
        suffix = f"_{key}" if key else ""
        frame["target_propensity" + suffix] = d[rows, act, pos]
        if q is not None:
            if q.shape != d.shape:
                raise ParameterError(f"estimated_rewards_by_reg_model has shape {q.shape}; expected {d.shape}.")
            frame["v_hat" + suffix] = np.einsum("na,na->n", d[rows, :, pos], q[rows, :, pos])
    if q is not None:
        frame["q_hat"] = q[rows, act, pos]
    if context_value is not None:
        frame["context_value"] = np.asarray(context_value, dtype=float)
    return frame

"""Synthetic bandit logs with known true values, for the demo, the docs, the tests and the benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abkit.errors import ParameterError

__all__ = ["bandit_world", "make_bandit_logs"]


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def bandit_world(
    n_actions: int = 10,
    *,
    n_contexts: int = 500,
    target_temperature: float = 0.35,
    logging_temperature: float = 0.6,
    epsilon: float = 0.05,
    model_noise: float = 0.5,
    world_seed: int = 0,
) -> dict[str, np.ndarray]:
    """The fixed world behind :func:`make_bandit_logs`: context types, policies, rewards and a reward model.

    Returns arrays ``p_context`` (n_contexts,), ``mu`` (expected reward), ``logging`` and ``target`` (policies) and
    ``q`` (a misspecified reward model), each (n_contexts, n_actions), and ``context_value`` (n_contexts,).
    """
    rng = np.random.default_rng(world_seed)
    x = rng.normal(size=(n_contexts, 5))
    theta = rng.normal(size=(5, n_actions))
    base = rng.normal(-2.0, 0.5, size=(n_contexts, 1))
    logit = base + 0.8 * (x @ theta) / np.sqrt(5)
    mu = 1.0 / (1.0 + np.exp(-logit))
    logging_score = 0.3 * logit + rng.normal(0.0, 1.0, size=logit.shape)
    logging = (1.0 - epsilon) * _softmax(logging_score / logging_temperature) + epsilon / n_actions
    target_score = logit + rng.normal(0.0, 0.3, size=logit.shape)
    target = _softmax(target_score / target_temperature)
    q = np.clip(mu * np.exp(rng.normal(0.0, model_noise * 0.3, size=mu.shape)), 0.0, 1.0)
    p_context = rng.dirichlet(np.full(n_contexts, 2.0))
    context_value = np.exp(rng.normal(0.0, 1.0, size=n_contexts) + 2.0 * (base[:, 0] + 2.0))
    return {"p_context": p_context, "mu": mu, "logging": logging, "target": target, "q": q,
            "context_value": context_value}  # fmt: skip


def make_bandit_logs(
    n: int = 100_000,
    n_actions: int = 10,
    *,
    seed: int = 0,
    n_contexts: int = 500,
    target_temperature: float = 0.35,
    epsilon: float = 0.05,
    world_seed: int = 0,
) -> pd.DataFrame:
    """Logged bandit feedback from a softmax logging policy, with a different target policy and known true values.

    A fixed world (``world_seed``) has ``n_contexts`` context types with probabilities ``p_context``, ``n_actions``
    actions and Bernoulli rewards with known means. Production logs with an epsilon-greedy softmax policy over a
    noisy score; the candidate is a sharper softmax (``target_temperature``) over a better score, so importance
    weights are heavy (up to ``n_actions / epsilon``) and capping matters. A misspecified reward model gives
    ``q_hat`` and ``v_hat``.

    Returns
    -------
    DataFrame with ``user_id``, ``context``, ``action``, ``reward``, ``propensity``, ``target_propensity``, ``q_hat``,
    ``v_hat`` and ``context_value`` (a positive per-context value such as user activity); ``attrs`` holds
    ``true_value`` (the candidate's expected reward), ``logged_value`` (production's) and ``true_lift``.

    Examples
    --------
    >>> logs = make_bandit_logs(1000, seed=0)
    >>> sorted(logs.attrs)
    ['logged_value', 'true_lift', 'true_value']
    >>> round(logs.attrs["true_value"], 4), round(logs.attrs["logged_value"], 4)
    (0.2756, 0.1691)
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(f"The 'n' parameter of make_bandit_logs must be an int >= 1. Got {n!r} instead.")
    if not isinstance(n_actions, int | np.integer) or n_actions < 2:
        raise ParameterError(f"The 'n_actions' parameter of make_bandit_logs must be an int >= 2. Got {n_actions!r}.")
    if not 0.0 < epsilon <= 1.0:
        raise ParameterError(f"The 'epsilon' parameter of make_bandit_logs must be in (0, 1]. Got {epsilon!r}.")
    world = bandit_world(
        n_actions, n_contexts=n_contexts, target_temperature=target_temperature, epsilon=epsilon, world_seed=world_seed
    )
    rng = np.random.default_rng(seed)
    ctx = rng.choice(n_contexts, size=n, p=world["p_context"])
    cum = np.cumsum(world["logging"], axis=1)
    action = np.minimum((rng.random(n)[:, None] > cum[ctx]).sum(axis=1), n_actions - 1)
    mu = world["mu"][ctx, action]
    reward = (rng.random(n) < mu).astype(np.float64)
    v_hat = np.einsum("ca,ca->c", world["target"], world["q"])
    value = float(world["p_context"] @ np.einsum("ca,ca->c", world["target"], world["mu"]))
    logged = float(world["p_context"] @ np.einsum("ca,ca->c", world["logging"], world["mu"]))
    frame = pd.DataFrame(
        {
            "user_id": np.arange(n, dtype=np.int64),
            "context": ctx.astype(np.int64),
            "action": action.astype(np.int64),
            "reward": reward,
            "propensity": world["logging"][ctx, action],
            "target_propensity": world["target"][ctx, action],
            "q_hat": world["q"][ctx, action],
            "v_hat": v_hat[ctx],
            "context_value": world["context_value"][ctx],
        }
    )
    frame.attrs.update(true_value=value, logged_value=logged, true_lift=value - logged)
    return frame

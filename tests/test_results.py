"""The result mixin (abkit/results.py) as used by Comparison, SRMResult and ExperimentResult: valid JSON with null
for NaN and a schema_version, plain-text tables, and escaped HTML for hostile metric and arm names."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.errors import DegenerateDataWarning
from abkit.results import SCHEMA_VERSION, ConfidenceInterval, Result, jsonable

HOSTILE = "<script>alert(1)</script>"


def _strict_loads(text: str) -> object:
    def refuse(token: str) -> None:
        raise ValueError(f"invalid JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def _experiment(metric_name: str = "revenue", arm: str = "treatment", degenerate: bool = False):
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(
        {
            "variant": np.repeat(["control", arm], n),
            "y": np.r_[rng.normal(10, 2, n), rng.normal(10.8, 2, n)],
            "flat": 1.0,
        }
    )
    metrics = [ab.Mean("y", name=metric_name)] + ([ab.Mean("flat")] if degenerate else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return ab.analyze(df, metrics)


def test_experiment_to_json_is_valid_with_null_for_nan() -> None:
    res = _experiment(degenerate=True)
    payload = _strict_loads(res.to_json())
    assert payload["schema_version"] == SCHEMA_VERSION
    assert payload["kind"] == "ExperimentResult"
    assert payload["decision"]["verdict"] == res.decision.verdict
    rows = {r["metric"]: r for r in payload["table"]}
    assert rows["flat"]["pvalue"] is None and rows["flat"]["ci_low"] is None
    assert rows["revenue"]["pvalue"] == pytest.approx(res.table.iloc[0]["pvalue"], rel=1e-15)
    assert rows["revenue"]["significant"] is True
    assert isinstance(rows["revenue"]["n_control"], int)
    assert payload["srm"]["counts"] == [300, 300]
    assert payload["arms"][0]["arm"] == "control"
    assert json.loads(res.to_json(indent=None)) == payload


def test_comparison_to_json_null_for_nan_and_infinite_bounds() -> None:
    r = ab.stats.ttest([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0], alternative="greater")
    payload = _strict_loads(r.to_json())
    assert payload["schema_version"] == SCHEMA_VERSION and payload["kind"] == "Comparison"
    assert payload["ci_high"] is None  # +inf has no JSON number
    assert payload["ci_low"] == pytest.approx(r.ci_low)
    assert "_estimate" not in payload
    with pytest.warns(DegenerateDataWarning):
        d = ab.stats.ttest([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert _strict_loads(d.to_json())["pvalue"] is None
    assert d.to_dict()["pvalue"] is None


def test_srm_to_json_and_table() -> None:
    r = ab.stats.srm({"control": 50210, HOSTILE: 49790})
    payload = _strict_loads(r.to_json())
    assert payload["arms"] == ["control", HOSTILE]
    assert [row["units"] for row in payload["table"]] == [50210, 49790]
    assert r.table["share"].sum() == pytest.approx(1.0)


def test_jsonable_converts_numpy_pandas_and_non_finite() -> None:
    value = {
        1: np.float32("nan"),
        "b": np.bool_(True),
        "i": np.int64(7),
        "inf": -math.inf,
        "arr": np.array([1.5, np.nan]),
        "ts": pd.Timestamp("2026-11-02"),
        "ci": ConfidenceInterval(0.1, math.inf),
        "s": pd.Series([1, 2]),
        "nested": ({"x": np.float64(2.5)},),
    }
    out = jsonable(value)
    assert out == {
        "1": None,
        "b": True,
        "i": 7,
        "inf": None,
        "arr": [1.5, None],
        "ts": "2026-11-02T00:00:00",
        "ci": [0.1, None],
        "s": [1, 2],
        "nested": [{"x": 2.5}],
    }
    assert type(out["i"]) is int and type(out["b"]) is bool
    json.dumps(out, allow_nan=False)


def test_result_mixin_on_a_plain_dataclass() -> None:
    @dataclasses.dataclass(frozen=True)
    class Toy(Result):
        name: str
        value: float
        _hidden: int = 0

    t = Toy(HOSTILE, float("nan"))
    assert t.to_dict() == {"name": HOSTILE, "value": None}
    assert _strict_loads(t.to_json())["value"] is None
    assert "value" in str(t) and "nan" in str(t)
    html = t._repr_html_()
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("where", ["metric", "arm"])
def test_experiment_repr_html_escapes_hostile_names(where: str) -> None:
    res = _experiment(metric_name=HOSTILE) if where == "metric" else _experiment(arm=HOSTILE)
    html = res._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _strict_loads(res.to_json())["table"][0]["metric" if where == "metric" else "variant"] == HOSTILE


def test_comparison_and_srm_repr_html_escape_hostile_names() -> None:
    r = ab.stats.ttest([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    hostile = dataclasses.replace(r, metric=HOSTILE, variant=HOSTILE)
    html = hostile._repr_html_()
    assert "<script>" not in html and html.count("&lt;script&gt;") == 2
    s = ab.stats.srm({HOSTILE: 10, "c": 12})._repr_html_()
    assert "<script>" not in s and "&lt;script&gt;" in s


def test_experiment_str_is_a_plain_table() -> None:
    res = _experiment(metric_name=HOSTILE)
    text = str(res)
    lines = text.splitlines()
    assert lines[0] == f"decision: {res.decision.verdict}"
    assert any(line.startswith("SRM: p = ") for line in lines)
    assert HOSTILE in text  # plain text shows the name as it is; HTML is where escaping matters
    header = next(line for line in lines if line.split()[:2] == ["metric", "variant"])
    assert "pvalue_adj" in header


def test_experiment_str_does_not_let_names_forge_lines() -> None:
    res = _experiment(metric_name="x\ndecision: ship\x1b[2J", arm="t\nSRM: ok")
    text = str(res)
    assert "\x1b" not in text
    assert sum(line.startswith("decision:") for line in text.splitlines()) == 1
    assert sum(line.startswith("SRM:") for line in text.splitlines()) == 1


def test_str_of_comparison_and_srm() -> None:
    r = ab.stats.ztest_proportions(100, 1000, 130, 1000)
    text = str(r)
    assert text.splitlines()[0] == "Comparison"
    assert "pvalue" in text and "_estimate" not in text
    s = str(ab.stats.srm([50210, 49790]))
    assert s.splitlines()[0] == "SRMResult" and "50210" in s

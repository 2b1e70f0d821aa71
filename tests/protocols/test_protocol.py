"""The protocol file: exact round trips, byte-stable saves, accessors and every validation error."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from abkit.errors import ProtocolError
from abkit.protocols.protocol import Protocol
from abkit.stats.metrics import Guardrail, Mean, Proportion, Ratio

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "experiment.toml"


def _tables() -> dict:
    """A small valid protocol as the tables of a file."""
    return {
        "experiment": {"name": "ranker-v2", "variant": "variant", "control": "control"},
        "arms": {"control": 0.5, "treatment": 0.5},
        "metrics": [
            {"name": "revenue", "kind": "mean", "column": "revenue", "role": "primary"},
            {"kind": "ratio", "numerator": "clicks", "denominator": "displays", "role": "secondary"},
            {"kind": "mean", "column": "latency_ms", "role": "guardrail", "margin": 0.02,
             "higher_is_better": False},
        ],
    }  # fmt: skip


def _write(tmp_path: Path, tables: dict, name: str = "experiment.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(tables), encoding="utf-8")
    return path


def _full() -> Protocol:
    return Protocol.load(EXAMPLE).with_plan(
        units_per_arm={"control": 52000, "treatment": 52000},
        total_units=104000,
        days=14,
        daily_units=7428.57,
        designed_at="2024-06-01T09:30:00+00:00",
    )


# --- the example file and the accessors -----------------------------------------------------------------------


def test_protocol_example_file_loads():
    p = Protocol.load(EXAMPLE)
    assert p.name == "ranker-v2" and p.unit == "user_id" and p.variant == "variant" and p.control == "control"
    assert p.arms == {"control": 0.5, "treatment": 0.5}
    assert p.treatments == ("treatment",)
    assert [m.label for m in p.primary] == ["revenue"]
    assert [m.label for m in p.secondary] == ["conversion", "ctr"]
    assert p.primary[0] == Mean("revenue", covariate="revenue_pre", name="revenue", winsorize=(0.0, 0.999))
    assert isinstance(p.secondary[0], Proportion) and isinstance(p.secondary[1], Ratio)
    assert p.secondary[1].covariate == ("clicks_pre", "displays_pre")
    assert [m.label for m in p.metrics] == ["revenue", "conversion", "ctr"]
    (g,) = p.guardrails
    assert isinstance(g, Guardrail) and g.margin == 0.02 and g.relative and not g.metric.higher_is_better
    assert (p.alpha, p.power, p.correction, p.alternative) == (0.05, 0.8, "holm", "two-sided")
    assert (p.confidence_level, p.mde, p.mde_relative, p.srm_threshold) == (0.95, 0.02, True, 0.001)
    assert p.sequential == {"looks": 4, "spending": "obrien-fleming", "sides": 2}
    assert p.plan is None


def test_protocol_minimal_file_takes_defaults(tmp_path):
    p = Protocol.load(_write(tmp_path, _tables()))
    assert p.hypothesis is None and p.unit is None and p.sequential is None and p.plan is None
    assert (p.alpha, p.power, p.correction, p.alternative, p.confidence_level) == (0.05, 0.8, "holm", "two-sided", None)
    assert p.secondary[0].label == "clicks/displays"


def test_protocol_built_in_python_normalises_sequences():
    p = Protocol(
        name="x",
        variant="v",
        control="a",
        arms={"a": 1, "b": 1, "c": 1} | {"a": 0.25, "b": 0.25, "c": 0.5},
        primary=[Mean("y")],
        correction="none",
    )
    assert p.primary == (Mean("y"),) and p.correction is None
    assert p.to_dict()["analysis"]["correction"] == "none"
    assert all(isinstance(s, float) for s in p.arms.values())


def test_protocol_with_plan_returns_new_protocol():
    p = Protocol.load(EXAMPLE)
    q = p.with_plan(units_per_arm=np.int64(1200), designed_at=dt.datetime(2024, 6, 1, 9, 30))
    assert p.plan is None
    assert q.plan == {"units_per_arm": 1200, "designed_at": "2024-06-01T09:30:00"}
    assert type(q.plan["units_per_arm"]) is int
    assert q.with_plan(days=3).plan == {"days": 3}


# --- round trips ---------------------------------------------------------------------------------------------------


def test_protocol_save_load_round_trip_is_exact(tmp_path):
    p = _full()
    p.save(tmp_path / "a.toml")
    q = Protocol.load(tmp_path / "a.toml")
    assert q == p
    q.save(tmp_path / "b.toml")
    assert (tmp_path / "a.toml").read_bytes() == (tmp_path / "b.toml").read_bytes()
    assert Protocol.from_dict(p.to_dict()) == p


def test_protocol_round_trip_with_information_and_no_correction(tmp_path):
    tables = _tables()
    tables["analysis"] = {"correction": "none", "alternative": "greater", "mde": -0.5, "alpha": 0.025}
    tables["sequential"] = {"information": [0.3, 0.6, 1], "spending": "hwang-shih-decani", "gamma": -4, "sides": 1}
    p = Protocol.load(_write(tmp_path, tables))
    assert p.correction is None and p.sequential["information"] == [0.3, 0.6, 1.0]
    p.save(tmp_path / "again.toml")
    assert Protocol.load(tmp_path / "again.toml") == p


@settings(max_examples=40, deadline=None)
@given(
    alpha=st.floats(1e-6, 0.5, exclude_min=True),
    share=st.floats(0.01, 0.99),
    margin=st.floats(1e-9, 1e6),
    name=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12),
)
def test_protocol_round_trip_keeps_every_float_and_string(tmp_path_factory, alpha, share, margin, name):
    if not name.strip():
        return
    p = Protocol(
        name=name,
        hypothesis=name + ' "quoted"\n second line',
        variant="v",
        control=name,
        arms={name: share, "b": 1.0 - share},
        primary=[Ratio("c", "d", name=name)],
        guardrails=[Guardrail(Proportion("x", higher_is_better=False), margin=margin, relative=False)],
        alpha=alpha,
        mde=alpha,
    )
    path = tmp_path_factory.mktemp("rt") / "p.toml"
    p.save(path)
    assert Protocol.load(path) == p
    assert Protocol.load(path).dumps() == path.read_text(encoding="utf-8")


# --- validation ------------------------------------------------------------------------------------------------


def _edit(change):
    tables = _tables()
    change(tables)
    return tables


BAD = [
    ("split", lambda t: t["arms"].update(treatment=0.4), r"experiment\.toml: \[arms\] shares sum to 0\.9, expected 1"),
    ("one arm", lambda t: t.update(arms={"control": 1.0}), r"\[arms\] needs at least two arms"),
    ("share type", lambda t: t["arms"].update(treatment="half"), r"\[arms\] share of 'treatment' must be a number"),
    ("zero share", lambda t: t.update(arms={"control": 1.0, "treatment": 0.0}), r"\[arms\] every share must be > 0"),
    ("control", lambda t: t["experiment"].update(control="ctl"), r"control 'ctl' is not one of the arms"),
    ("unknown section", lambda t: t.update(extra={}), r"unknown section \[extra\]"),
    ("unknown experiment key", lambda t: t["experiment"].update(owner="me"), r"\[experiment\] unknown key 'owner'"),
    ("unknown metric key", lambda t: t["metrics"][0].update(colum="x"), r"\[\[metrics\]\] #1 'revenue': unknown key"),
    ("unknown analysis key", lambda t: t.update(analysis={"alfa": 0.1}), r"\[analysis\] unknown key 'alfa'"),
    ("unknown sequential key", lambda t: t.update(sequential={"looks": 2, "x": 1}), r"\[sequential\] unknown key"),
    ("unknown plan key", lambda t: t.update(plan={"n": 1}), r"\[plan\] unknown key 'n'"),
    ("missing section", lambda t: t.pop("arms"), r"missing required section \[arms\]"),
    ("missing metrics", lambda t: t.pop("metrics"), r"no \[\[metrics\]\] tables"),
    ("missing name", lambda t: t["experiment"].pop("name"), r"\[experiment\] missing required key 'name'"),
    ("missing variant", lambda t: t["experiment"].pop("variant"), r"missing required key 'variant'"),
    ("missing role", lambda t: t["metrics"][0].pop("role"), r"#1 'revenue': missing required key 'role'"),
    ("missing column", lambda t: t["metrics"][0].pop("column"), r"missing required key 'column'"),
    ("ratio without den", lambda t: t["metrics"][1].pop("denominator"), r"#2 'clicks': missing required key 'den"),
    ("ratio with column", lambda t: t["metrics"][1].update(column="c"), r"takes numerator and denominator"),
    ("bad role", lambda t: t["metrics"][1].update(role="tertiary"), r"role must be one of primary, secondary"),
    ("bad kind", lambda t: t["metrics"][0].update(kind="median"), r"kind must be one of mean, proportion, ratio"),
    ("margin on primary", lambda t: t["metrics"][0].update(margin=0.1), r"margin is only allowed for role"),
    ("relative on secondary", lambda t: t["metrics"][1].update(relative=True), r"relative is only allowed"),
    ("guardrail no margin", lambda t: t["metrics"][2].pop("margin"), r"#3 'latency_ms': a guardrail needs a margin"),
    ("negative margin", lambda t: t["metrics"][2].update(margin=-0.1), r"margin must be in \(0, inf\)"),
    ("no primary", lambda t: t["metrics"][0].update(role="secondary"), r"no primary metric"),
    ("duplicate", lambda t: t["metrics"][1].update(name="revenue"), r"duplicate metric name 'revenue'"),
    ("alpha", lambda t: t.update(analysis={"alpha": 1.5}), r"\[analysis\] alpha must be in \(0, 1\), got 1\.5"),
    ("alpha type", lambda t: t.update(analysis={"alpha": "0.05"}), r"\[analysis\] alpha must be a number"),
    ("power", lambda t: t.update(analysis={"power": 0}), r"\[analysis\] power must be in \(0, 1\)"),
    ("correction", lambda t: t.update(analysis={"correction": "fdr"}), r"correction must be one of .*none"),
    ("alternative", lambda t: t.update(analysis={"alternative": "larger"}), r"alternative must be one of"),
    ("mde zero", lambda t: t.update(analysis={"mde": 0}), r"\[analysis\] mde must be nonzero"),
    ("mde_relative", lambda t: t.update(analysis={"mde_relative": "yes"}), r"mde_relative must be true or false"),
    ("winsorize", lambda t: t["metrics"][0].update(winsorize=[0.9, 0.1]), r"#1 'revenue': The 'winsorize'"),
    ("winsorize pair", lambda t: t["metrics"][0].update(winsorize=[0.9]), r"winsorize must be a pair"),
    ("higher type", lambda t: t["metrics"][0].update(higher_is_better=1), r"higher_is_better must be true or false"),
    ("looks and info", lambda t: t.update(sequential={"looks": 2, "information": [0.5, 1]}), r"exactly one of"),
    ("no looks", lambda t: t.update(sequential={"spending": "pocock"}), r"exactly one of looks"),
    ("looks", lambda t: t.update(sequential={"looks": 0}), r"looks must be an integer >= 1"),
    ("info end", lambda t: t.update(sequential={"information": [0.5, 0.9]}), r"end at 1"),
    ("spending", lambda t: t.update(sequential={"looks": 3, "spending": "linear"}), r"spending must be one of"),
    ("both rules", lambda t: t.update(sequential={"looks": 3, "spending": "pocock", "boundary": "pocock"}), "not both"),
    ("gamma", lambda t: t.update(sequential={"looks": 3, "spending": "pocock", "gamma": 1}), r"gamma applies only"),
    ("sides", lambda t: t.update(sequential={"looks": 3, "sides": 3}), r"sides must be 1 or 2"),
    ("plan arm", lambda t: t.update(plan={"units_per_arm": {"ctl": 5}}), r"\[plan\] units_per_arm names arm 'ctl'"),
    ("plan days", lambda t: t.update(plan={"days": -1}), r"\[plan\] days must be a number > 0"),
]


@pytest.mark.parametrize(("case", "change", "match"), BAD, ids=[b[0] for b in BAD])
def test_protocol_invalid_file_raises_protocol_error_naming_file(tmp_path, case, change, match):
    path = _write(tmp_path, _edit(change))
    with pytest.raises(ProtocolError, match=match) as info:
        Protocol.load(path)
    assert str(info.value).startswith("experiment.toml: ")


def test_protocol_from_dict_names_the_source():
    with pytest.raises(ProtocolError, match=r"^protocol: \[arms\] shares sum to 1\.1"):
        Protocol.from_dict(_edit(lambda t: t["arms"].update(treatment=0.6)))


def test_protocol_from_dict_does_not_change_its_input():
    tables = _tables()
    before = copy.deepcopy(tables)
    Protocol.from_dict(tables)
    assert tables == before


def test_protocol_constructor_errors_are_protocol_errors():
    with pytest.raises(ProtocolError, match=r"^Protocol: \[\[metrics\]\] no primary metric"):
        Protocol(name="x", variant="v", control="a", arms={"a": 0.5, "b": 0.5}, primary=[])
    with pytest.raises(ProtocolError, match="guardrails must be Guardrail objects"):
        Protocol(name="x", variant="v", control="a", arms={"a": 0.5, "b": 0.5}, primary=[Mean("y")],
                 guardrails=[Mean("z")])  # fmt: skip
    with pytest.raises(ProtocolError, match=r"\[plan\] unknown key 'sd'"):
        Protocol.load(EXAMPLE).with_plan(sd=3.0)


def test_protocol_load_missing_or_invalid_file(tmp_path):
    with pytest.raises(ProtocolError, match="protocol file not found"):
        Protocol.load(tmp_path / "nope.toml")
    bad = tmp_path / "broken.toml"
    bad.write_text("[experiment\nname = 1\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"^broken\.toml: not valid TOML"):
        Protocol.load(bad)

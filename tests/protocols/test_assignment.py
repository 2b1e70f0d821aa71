from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from abkit.errors import ColumnError, DataError, DegenerateDataWarning, ParameterError
from abkit.protocols.assignment import AssignmentCheck, assign, check_assignment, split_ranges
from abkit.protocols.hashing import murmur3_32

SPLIT_3 = {"control": 0.34, "treatment": 0.33, "holdout": 0.33}

# (salt, unit id, h, arm for [50, 50], arm for SPLIT_3, arm for [10, 90]), computed outside abkit with the
# pure-Python reference of tests/protocols/test_hashing.py: h = reference_murmur3_32(f"{salt}:{uid}".encode(), 0),
# arm = first i with h < ceil(c_i * 2**32), c_i the running sums of the shares (SPLIT_3: 0.34, 0.34 + 0.33).
STABLE = [
    ("exp-42", "user_1", 4166018413, "treatment", "holdout", "treatment"),
    ("exp-42", "user_2", 3301337061, "treatment", "holdout", "treatment"),
    ("exp-42", "user_7", 110960210, "control", "control", "control"),
    ("exp-42", 12345, 3411854394, "treatment", "holdout", "treatment"),
    ("exp-42", -7, 2561181051, "treatment", "treatment", "treatment"),
    ("exp-42", 0, 1637785654, "control", "treatment", "treatment"),
    ("exp-42", "日本語", 2087325146, "control", "treatment", "treatment"),
    ("checkout-redesign-2026", "u-000001", 3016775507, "treatment", "holdout", "treatment"),
    ("checkout-redesign-2026", "u-000002", 3001813957, "treatment", "holdout", "treatment"),
    ("checkout-redesign-2026", "u-000003", 837117900, "control", "control", "treatment"),
    ("a", "b", 2722392131, "treatment", "treatment", "treatment"),
    ("salt:with:colons", "id", 3308385478, "treatment", "holdout", "treatment"),
    ("exp-43", "user_1", 880542232, "control", "control", "treatment"),
    ("exp-43", 12345, 692145033, "control", "control", "treatment"),
    ("ranker_v7", 9007199254740993, 1802774908, "control", "treatment", "treatment"),
    ("ranker_v7", "émile", 2514581033, "treatment", "treatment", "treatment"),
    ("ranker_v7", "émile ", 1728946328, "control", "treatment", "treatment"),
    ("x", "", 2554223185, "treatment", "treatment", "treatment"),
    ("x", " ", 3115522721, "treatment", "holdout", "treatment"),
    ("Ω", "😀", 1386390326, "control", "control", "treatment"),
    ("exp-42", "user_8", 2001738508, "control", "treatment", "treatment"),
    ("feed-ranking", "1", 3866144730, "treatment", "holdout", "treatment"),
]

N_BIG = 1_000_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def big_ids() -> np.ndarray:
    return np.array([f"user_{i}" for i in range(N_BIG)], dtype=object)


@pytest.mark.parametrize(("salt", "uid", "h", "arm_50", "arm_3", "arm_10"), STABLE)
def test_assign_stable_reference_table(salt: str, uid: str | int, h: int, arm_50: str, arm_3: str, arm_10: str) -> None:
    assert murmur3_32(f"{salt}:{uid}") == h
    assert assign([uid], salt=salt, split=[50, 50]).tolist() == [arm_50]
    assert assign([uid], salt=salt, split=SPLIT_3).tolist() == [arm_3]
    assert assign([uid], salt=salt, split=[10, 90]).tolist() == [arm_10]


def test_assign_stable_reference_table_with_mmh3() -> None:
    mmh3 = pytest.importorskip("mmh3")
    for salt, uid, h, *_ in STABLE:
        assert mmh3.hash(f"{salt}:{uid}", 0, signed=False) == h


def test_assign_same_in_another_process() -> None:
    ids = [f"user_{i}" for i in range(200)] + list(range(200))
    here = assign(ids, salt="exp-42", split=SPLIT_3).tolist()
    code = (
        "from abkit.protocols.assignment import assign;"
        f"print(','.join(assign({ids!r}, salt='exp-42', split={SPLIT_3!r}).tolist()))"
    )
    for hash_seed in ("12345",):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
        assert out.stdout.strip().split(",") == here


def test_assign_boundary_of_the_hash_range(big_ids: np.ndarray) -> None:
    ids = big_ids[:200_000]
    h = murmur3_32(np.array([f"b:{i}" for i in ids], dtype=object)).astype(np.int64)
    below = ids[np.argmax(np.where(h < 2**31, h, -1))]
    at_or_above = ids[np.argmin(np.where(h >= 2**31, h, 2**33))]
    assert assign([below, at_or_above], salt="b", split=[50, 50]).tolist() == ["control", "treatment"]


@pytest.mark.parametrize("split", [[50, 50], SPLIT_3, [8] * 11 + [12], {"a": 0.999, "b": 0.001}])
def test_assign_arm_holds_hash_range(split: dict[str, float] | list[float]) -> None:
    ids = np.arange(20_000)
    arms = assign(ids, salt="ranges", split=split)
    h = murmur3_32(np.array([f"ranges:{i}" for i in ids], dtype=object)).astype(np.int64)
    ranges = split_ranges(split)
    low = np.array([ranges[a][0] for a in arms])
    high = np.array([ranges[a][1] for a in arms])
    assert ((low <= h) & (h < high)).all()
    assert set(arms.tolist()) == set(ranges)


def test_split_ranges_thirds_match_exact_arithmetic() -> None:
    third = 1 / 3
    ranges = split_ranges({"a": third, "b": third, "c": third})
    # ceil(c * 2**32) in exact rational arithmetic on the float64 running sums.
    c1, c2 = Fraction(third), Fraction(third + third)
    high_1, high_2 = math.ceil(c1 * 2**32), math.ceil(c2 * 2**32)
    assert ranges == {"a": (0, high_1), "b": (high_1, high_2), "c": (high_2, 2**32)}
    assert (high_1, high_2) == (1431655766, 2863311531)


def test_split_ranges_percent_list_names_arms() -> None:
    ranges = split_ranges([25, 25, 50])
    assert list(ranges) == ["control", "treatment", "treatment_2"]
    assert ranges["control"] == (0, 2**30)
    assert ranges["treatment_2"] == (2**31, 2**32)


@pytest.mark.slow
def test_assign_buckets_uniform_chi_square(big_ids: np.ndarray) -> None:
    for ids in (big_ids, np.arange(N_BIG)):
        h = murmur3_32(np.array([f"uniformity:{i}" for i in ids], dtype=object))
        counts = np.bincount((h.astype(np.uint64) * np.uint64(100)) >> np.uint64(32), minlength=100)
        assert counts.size == 100
        statistic = stats.chisquare(counts).statistic
        assert stats.chi2.ppf(0.001, 99) < statistic < stats.chi2.ppf(0.999, 99)


@pytest.mark.parametrize("split", [SPLIT_3, [10, 90], {"a": 0.01, "b": 0.99}, [20, 20, 20, 20, 20]])
def test_assign_shares_within_binomial_tolerance(big_ids: np.ndarray, split: dict[str, float] | list[float]) -> None:
    arms = assign(big_ids, salt="shares", split=split)
    shares = list(split.values()) if isinstance(split, dict) else [p / 100 for p in split]
    names = list(split) if isinstance(split, dict) else list(split_ranges(split))
    z = stats.norm.ppf(1 - 0.001 / 2)
    for name, p in zip(names, shares, strict=True):
        count = int((arms == name).sum())
        assert abs(count - N_BIG * p) < z * math.sqrt(N_BIG * p * (1 - p)), name


@pytest.mark.slow
def test_assign_two_salts_independent(big_ids: np.ndarray) -> None:
    for ids in (big_ids, np.arange(N_BIG)):
        first = assign(ids, salt="exp-1", split=[50, 50])
        second = assign(ids, salt="exp-2", split=[50, 50])
        statistic = stats.chi2_contingency(_crosstab(first, second), correction=False).statistic
        assert stats.chi2.ppf(0.001, 1) < statistic < stats.chi2.ppf(0.999, 1)
        third = assign(ids, salt="exp-3", split=SPLIT_3)
        statistic = stats.chi2_contingency(_crosstab(first, third), correction=False).statistic
        assert stats.chi2.ppf(0.001, 2) < statistic < stats.chi2.ppf(0.999, 2)


def _crosstab(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    rows = [a == name for name in np.unique(a[:1000])]
    cols = [b == name for name in np.unique(b[:1000])]
    table = np.array([[int((r & c).sum()) for c in cols] for r in rows])
    assert table.sum() == a.size
    return table


def test_assign_series_returns_aligned_categorical() -> None:
    ids = pd.Series(["user_7", "user_1", "user_8"], index=[10, 3, 99], name="user_id")
    out = assign(ids, salt="exp-42", split=SPLIT_3)
    assert isinstance(out, pd.Series)
    assert out.name == "variant"
    assert out.index.tolist() == [10, 3, 99]
    assert list(out.cat.categories) == ["control", "treatment", "holdout"]
    assert out.tolist() == ["control", "holdout", "treatment"]


def test_assign_integer_ids_match_their_text() -> None:
    ints = np.arange(-500, 500)
    as_text = assign([str(i) for i in ints], salt="s", split=[30, 70])
    assert assign(ints, salt="s", split=[30, 70]).tolist() == as_text.tolist()
    assert assign(pa.array(ints), salt="s", split=[30, 70]).tolist() == as_text.tolist()


def test_assign_unit_keeps_arm_when_others_join() -> None:
    ids = [f"u{i}" for i in range(1000)]
    alone = [assign([i], salt="s", split=SPLIT_3)[0] for i in ids[:50]]
    assert assign(ids, salt="s", split=SPLIT_3)[:50].tolist() == alone


def test_assign_dict_order_is_arm_order() -> None:
    ids = np.arange(10_000)
    ab = assign(ids, salt="s", split={"a": 0.5, "b": 0.5})
    ba = assign(ids, salt="s", split={"b": 0.5, "a": 0.5})
    assert ((ab == "a") == (ba == "b")).all()


def test_assign_empty_input() -> None:
    out = assign([], salt="s", split=[50, 50])
    assert out.shape == (0,)


@pytest.mark.parametrize(
    ("split", "match"),
    [
        ({"control": 0.5, "treatment": 0.4}, "sum to 0.9"),
        ({"control": 0.5, "treatment": 0.5 + 1e-8}, "sum to"),
        ({"control": 1.0, "treatment": 0.0}, "not a positive number"),
        ({"control": -0.5, "treatment": 1.5}, "not a positive number"),
        ({"control": math.nan, "treatment": 0.5}, "not a positive number"),
        ({"control": True, "treatment": 0.5}, "not a positive number"),
        ({"control": "0.5", "treatment": 0.5}, "not a positive number"),
        ({"control": 1.0}, "at least two"),
        ({"": 0.5, "treatment": 0.5}, "arm names"),
        ({1: 0.5, 2: 0.5}, "arm names"),
        ([50, 40], "sum to 90"),
        ([0.5, 0.5], r"for shares use percents, e.g. \[50.0, 50.0\]"),
        ([100], "at least two"),
        ([], "sum to 0"),
        ("50,50", "of type str"),
        (None, "of type NoneType"),
    ],
)
def test_assign_bad_split_raises(split: object, match: str) -> None:
    with pytest.raises(ParameterError, match=rf"'split' parameter of assign.*{match}"):
        assign(["a"], salt="s", split=split)  # type: ignore[arg-type]


def test_assign_split_tolerance_accepted() -> None:
    out = assign(["a", "b"], salt="s", split={"x": 0.1, "y": 0.2, "z": 0.7 - 5e-10})
    assert set(out.tolist()) <= {"x", "y", "z"}
    assert split_ranges({"x": 0.1, "y": 0.2, "z": 0.7 - 5e-10})["z"][1] == 2**32


@pytest.mark.parametrize("salt", ["", None, 42, b"exp"])
def test_assign_bad_salt_raises(salt: object) -> None:
    with pytest.raises(ParameterError, match="'salt' parameter of assign"):
        assign(["a"], salt=salt, split=[50, 50])  # type: ignore[arg-type]


def test_assign_bad_ids_raise() -> None:
    with pytest.raises(ParameterError, match="'unit_ids' parameter of assign"):
        assign(np.array([1.0, 2.0]), salt="s", split=[50, 50])
    with pytest.raises(DataError, match=r"'unit_ids' parameter of assign.*position 1"):
        assign(pd.Series(["a", None]), salt="s", split=[50, 50])
    with pytest.raises(ParameterError, match="not a DataFrame"):
        assign(pd.DataFrame({"id": ["a"]}), salt="s", split=[50, 50])


def test_check_assignment_clean_assignment_is_ok(big_ids: np.ndarray) -> None:
    ids = big_ids[:100_000]
    arms = assign(ids, salt="exp-42", split=SPLIT_3)
    check = check_assignment(ids, arms, salt="exp-42", split=SPLIT_3)
    assert isinstance(check, AssignmentCheck)
    assert check.ok
    assert (check.n, check.n_mismatches, check.n_unknown, check.mismatch_rate) == (100_000, 0, 0, 0.0)
    table = check.table
    assert table["variant"].tolist() == ["control", "treatment", "holdout"]
    assert table["n"].tolist() == table["n_expected"].tolist() == [int((arms == a).sum()) for a in SPLIT_3]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["expected_share"].tolist() == pytest.approx([0.34, 0.33, 0.33], abs=1e-9)


def test_check_assignment_counts_mismatches_per_recorded_arm() -> None:
    ids = np.arange(10_000)
    truth = assign(ids, salt="s", split=[50, 50])
    recorded = truth.astype(object)
    flip_to_treatment = np.flatnonzero(truth == "control")[:7]
    flip_to_control = np.flatnonzero(truth == "treatment")[:3]
    recorded[flip_to_treatment] = "treatment"
    recorded[flip_to_control] = "control"
    recorded[[100, 200]] = "Treatment"
    recorded[300] = "legacy"
    check = check_assignment(ids, recorded, salt="s", split=[50, 50])
    n_unknown_moved = len({100, 200, 300} - set(flip_to_treatment) - set(flip_to_control))
    assert check.n_unknown == 3
    assert check.unknown_variants == ("Treatment", "legacy")
    assert check.n_mismatches == 10 + n_unknown_moved
    table = check.table.set_index("variant")
    assert table.loc["Treatment", "n"] == 2
    assert table.loc["legacy", "mismatches"] == 1
    assert math.isnan(table.loc["legacy", "expected_share"])
    assert table.loc["control", "mismatches"] == 3
    assert table.loc["treatment", "mismatches"] == 7
    assert table["n"].sum() == 10_000
    assert table["mismatches"].sum() == check.n_mismatches
    assert not check.ok


def test_check_assignment_on_dataframe() -> None:
    df = pd.DataFrame({"user_id": [f"user_{i}" for i in range(1, 9)]})
    df["arm"] = assign(df["user_id"], salt="exp-42", split=[50, 50])
    check = check_assignment(df, "arm", unit="user_id", salt="exp-42", split=[50, 50])
    assert check.ok and check.n == 8
    with pytest.raises(ColumnError, match=r"'uid'.*columns are: user_id, arm"):
        check_assignment(df, "arm", unit="uid", salt="exp-42", split=[50, 50])
    with pytest.raises(ParameterError, match="'unit' parameter of check_assignment"):
        check_assignment(df, "arm", salt="exp-42", split=[50, 50])
    with pytest.raises(ParameterError, match="needs a DataFrame"):
        check_assignment(df["user_id"], df["arm"], unit="user_id", salt="exp-42", split=[50, 50])


def test_check_assignment_bad_input_raises() -> None:
    with pytest.raises(DataError, match=r"one entry per unit\. Got 1 variants for 2 units"):
        check_assignment(["a", "b"], ["control"], salt="s", split=[50, 50])
    with pytest.raises(DataError, match="missing"):
        check_assignment(["a", "b"], ["control", None], salt="s", split=[50, 50])
    with pytest.raises(ParameterError, match="'variants' parameter"):
        check_assignment(["a"], "control", salt="s", split=[50, 50])
    with pytest.raises(ParameterError, match="'split' parameter of check_assignment"):
        check_assignment(["a"], ["control"], salt="s", split=[50, 51])


def test_check_assignment_empty_warns_nan() -> None:
    with pytest.warns(DegenerateDataWarning, match="no units"):
        check = check_assignment([], [], salt="s", split=[50, 50])
    assert math.isnan(check.mismatch_rate)
    assert check.to_dict()["mismatch_rate"] is None


def test_check_assignment_renders() -> None:
    check = check_assignment(["a", "b"], ["control", "<b>x</b>"], salt="<i>s</i>", split=[50, 50])
    text = str(check)
    assert "mismatches in 2 units" in text and "<b>x</b>" in text
    page = check._repr_html_()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "&lt;i&gt;" in page
    as_dict = check.to_dict()
    assert as_dict["unknown_variants"] == ["<b>x</b>"]
    assert [row["variant"] for row in as_dict["table"]] == ["control", "treatment", "<b>x</b>"]
    assert as_dict["table"][2]["expected_share"] is None

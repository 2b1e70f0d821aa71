"""The command line: exit codes, formats, one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import abkit as ab
from abkit.cli import main


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "exp.parquet"
    ab.datasets.make_experiment(20_000, seed=3).to_parquet(path, index=False)
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_cli_analyze_table_matches_library(experiment_file: str) -> None:
    code, out, _ = run("analyze", experiment_file, "--mean", "revenue", "--ratio", "clicks/displays")
    assert code == 0
    res = ab.analyze(experiment_file, [ab.Mean("revenue"), ab.Ratio("clicks", "displays")])
    assert f"decision: {res.decision.verdict}" in out
    assert "clicks/displays" in out


def test_cli_analyze_json_is_valid_and_equals_library(experiment_file: str) -> None:
    code, out, _ = run("analyze", experiment_file, "--mean", "revenue", "--covariate", "revenue=revenue_pre",
                       "--proportion", "converted", "-f", "json")  # fmt: skip
    assert code == 0
    payload = json.loads(out, parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))
    assert payload["schema_version"] == 1
    res = ab.analyze(experiment_file, [ab.Mean("revenue", covariate="revenue_pre"), ab.Proportion("converted")])
    rows = {r["metric"]: r for r in payload["table"]}
    assert rows["revenue (CUPED)"]["effect"] == pytest.approx(res.table["effect"].iloc[0], rel=1e-12)
    assert rows["converted"]["pvalue"] == pytest.approx(res.table["pvalue"].iloc[1], rel=1e-12)


def test_cli_analyze_csv_to_file(experiment_file: str, tmp_path) -> None:
    out = tmp_path / "t.csv"
    code, _, err = run("analyze", experiment_file, "--mean", "revenue", "-f", "csv", "-o", str(out))
    assert code == 0 and "wrote" in err
    import pandas as pd

    t = pd.read_csv(out)
    assert list(t.columns[:16]) == list(ab.stats.experiment.TABLE_COLUMNS)


def test_cli_analyze_missing_column_exits_2_with_one_line(experiment_file: str) -> None:
    code, _out, err = run("analyze", experiment_file, "--mean", "revnue")
    assert code == 2
    assert err.count("\n") == 1 and "'revnue' not found" in err and "revenue_pre" in err


def test_cli_analyze_bad_file_suffix_exits_2(tmp_path) -> None:
    p = tmp_path / "x.xlsx"
    p.write_text("a")
    code, _, err = run("analyze", str(p), "--mean", "revenue")
    assert code == 2 and ".xlsx" in err


def test_cli_analyze_fail_on_exits_1(experiment_file: str) -> None:
    code, out, _ = run("analyze", experiment_file, "--mean", "revenue", "--fail-on", "not-ship", "--alpha", "1e-12")
    assert code == 1 and "decision: inconclusive" in out


def test_cli_analyze_expected_split_unknown_arm_exits_2(experiment_file: str) -> None:
    code, _, err = run("analyze", experiment_file, "--mean", "revenue", "--expected", "control=0.5,other=0.5")
    assert code == 2 and "treatment" in err


def test_cli_srm_reports_mismatch_and_exit_codes() -> None:
    code, out, _ = run("srm", "--counts", "50210,49790")
    assert code == 0 and "ok" in out
    code, out, _ = run("srm", "--counts", "52000,48000", "--fail-on-mismatch")
    assert code == 1 and "MISMATCH" in out
    code, out, _ = run("srm", "--counts", "50210,49790", "-f", "json")
    assert json.loads(out)["pvalue"] == pytest.approx(ab.stats.srm([50210, 49790]).pvalue, rel=1e-12)


def test_cli_srm_bad_counts_exit_2() -> None:
    code, _, err = run("srm", "--counts", "50210.5,49790")
    assert code == 2 and "whole numbers" in err
    code, _, _ = run("srm", "--counts", "1,2", "--expected", "0.5,0.6")
    assert code == 2


def test_cli_monitor_table_and_html(experiment_file: str, tmp_path) -> None:
    code, out, _ = run("monitor", experiment_file, "--mean", "revenue", "--mde", "0.05")
    assert code == 0 and "always-valid" in out
    page = tmp_path / "m.html"
    code, _, _ = run("monitor", experiment_file, "--mean", "revenue", "--mde", "0.05", "-f", "html", "-o", str(page))
    assert code == 0 and "<svg" in page.read_text()


def test_cli_assign_writes_every_unit_with_its_arm(tmp_path) -> None:
    import pandas as pd

    src = tmp_path / "units.csv"
    pd.DataFrame({"user_id": [f"u{i}" for i in range(1000)] + ["007"]}).to_csv(src, index=False)
    out = tmp_path / "a.csv"
    code, _, err = run("assign", str(src), "--salt", "exp-42", "--split", "50,50", "-o", str(out))
    assert code == 0 and "1,001" in err
    got = pd.read_csv(out, dtype=str)
    assert "007" in set(got["user_id"])
    expected = ab.assign(got["user_id"].to_numpy(), salt="exp-42", split=[50, 50])
    assert list(got["variant"]) == list(expected)


def test_cli_boundaries_match_group_sequential() -> None:
    code, out, _ = run("boundaries", "--looks", "4", "--alpha", "0.025", "--sides", "1", "-f", "json")
    assert code == 0
    payload = json.loads(out)
    gs = ab.GroupSequential(looks=4, alpha=0.025, sides=1, spending="obrien-fleming")
    assert [r["z"] for r in payload["table"]] == pytest.approx(list(gs.z), rel=1e-12)
    assert payload["inflation"] == pytest.approx(gs.inflation(power=0.8), rel=1e-12)


@pytest.fixture(scope="module")
def logs_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("logs") / "logs.parquet"
    ab.datasets.make_bandit_logs(20_000, seed=2).to_parquet(path, index=False)
    return str(path)


def test_cli_offline_json_equals_library(logs_file: str) -> None:
    code, out, _ = run("offline", logs_file, "--estimators", "ips,snips,ncis", "--cap", "30", "-f", "json")
    assert code == 0
    payload = json.loads(out)
    res = ab.metrics.evaluate(logs_file, estimators="ips,snips,ncis", cap=30)
    got = {r["estimator"]: r["value"] for r in payload["table"]}
    for est in ("ips", "snips", "ncis"):
        assert got[est] == pytest.approx(res.value(est), rel=1e-12)


def test_cli_offline_html_and_bad_cap(logs_file: str, tmp_path) -> None:
    page = tmp_path / "off.html"
    code, _, _ = run("offline", logs_file, "--cap", "30", "-f", "html", "-o", str(page))
    assert code == 0 and "Weight distribution" in page.read_text()
    code, _, err = run("offline", logs_file, "--cap", "-1")
    assert code == 2 and "'cap' parameter of evaluate must be a float > 0" in err


def test_cli_compare_models_fails_on_regression(tmp_path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.2).astype(int)
    good = np.clip(0.2 + 0.3 * (y - 0.2) + 0.05 * rng.normal(size=5000), 0.01, 0.99)
    bad = np.clip(0.2 + 0.05 * rng.normal(size=5000), 0.01, 0.99)
    path = tmp_path / "p.csv"
    pd.DataFrame({"y": y, "old": good, "new": bad}).to_csv(path, index=False)
    code, out, _ = run("compare-models", str(path), "--label", "y", "--baseline", "old", "--candidate", "new",
                       "--fail-on-regression")  # fmt: skip
    assert code == 1 and "regressed" in out
    code, _, _ = run("compare-models", str(path), "--label", "y", "--baseline", "new", "--candidate", "old")
    assert code == 0


def test_cli_report_combines_protocol_live_data_timeline_and_offline(
    experiment_file: str, logs_file: str, tmp_path
) -> None:
    protocol = ab.Protocol(name="cli-report", variant="variant", control="control",
                           arms={"control": 0.5, "treatment": 0.5}, primary=(ab.Ratio("clicks", "displays"),),
                           mde=0.05, mde_relative=True)  # fmt: skip
    toml = tmp_path / "p.toml"
    protocol.save(toml)
    page = tmp_path / "r.html"
    args = ["report", experiment_file, "--protocol", str(toml), "--logs", logs_file, "--time", "date",
            "-o", str(page), "--time-stamp", "2026-12-07"]  # fmt: skip
    code, _, err = run(*args)
    assert code == 0, err
    html = page.read_text()
    assert "Offline prediction and online result" in html and "Effect over time" in html and "cli-report" in html
    first = page.read_bytes()
    assert run(*args)[0] == 0 and page.read_bytes() == first


def test_cli_key_value_options_reject_malformed_items(experiment_file: str, tmp_path) -> None:
    code, _, err = run("analyze", experiment_file, "--mean", "revenue", "--expected", "control:0.5")
    assert code == 2 and "ARM=SHARE" in err
    path = tmp_path / "p.csv"
    path.write_text("y,old,new\n1,0.6,0.7\n0,0.2,0.1\n1,0.5,0.6\n0,0.4,0.3\n")
    code, _, err = run("compare-models", str(path), "--label", "y", "--baseline", "old", "--candidate", "new",
                       "--tolerance", "auc=x")  # fmt: skip
    assert code == 2 and "METRIC=VALUE" in err

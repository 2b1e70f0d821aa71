"""The ``abkit`` command line: parse arguments, call the library, print or write. No logic beyond that.

Exit codes: 0 on success, 2 on bad usage or bad data (one line on stderr naming the problem), 1 only when
``--fail-on`` asks for it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from abkit.errors import AbkitError

FORMATS = ("table", "json", "csv", "html")


def _fail(message: str) -> None:
    click.echo(f"abkit: error: {message}", err=True)
    sys.exit(2)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn abkit's errors (bad data, bad parameters) and unreadable files into one line and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AbkitError as exc:
            _fail(str(exc))
        except (OSError, ImportError) as exc:
            _fail(f"{type(exc).__name__}: {exc}")

    return wrapper


def emit(text: str, out: str | None) -> None:
    """Write ``text`` to ``out`` (a path) or to stdout."""
    if out:
        Path(out).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text)


def render(result: Any, fmt: str, *, title: str | None = None, generated_at: str | None = None) -> str:
    """A result in one of the output formats."""
    if fmt == "json":
        return result.to_json()
    if fmt == "csv":
        return result.table.to_csv(index=False)
    if fmt == "html":
        return result.to_html(generated_at=generated_at)
    return str(result)


def _split_list(value: str | None, what: str) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def _floats(value: str, what: str) -> list[float]:
    try:
        return [float(v) for v in _split_list(value, what)]
    except ValueError:
        raise click.BadParameter(f"{what} must be comma-separated numbers, e.g. 50210,49790; got {value!r}") from None


def _key_values(items: list[str], what: str, form: str) -> dict[str, float]:
    """``KEY=NUMBER`` items as a dict; BadParameter (exit 2) naming the option and the expected form."""
    out = {}
    for item in items:
        key, sep, number = item.partition("=")
        try:
            out[key.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise click.BadParameter(f"{what} takes {form}; got {item!r}")
    return out


def _shares(value: str, what: str) -> dict[str, float]:
    return _key_values(_split_list(value, what), what, "ARM=SHARE,... (control=0.5,treatment=0.5)")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="abkit")
def main() -> None:
    """abkit: design, offline estimates, live analysis and committee reports for A/B tests.

    \b
    abkit demo --out abkit-demo          the whole story on synthetic data, ending in a report
    abkit analyze data.parquet --mean revenue --ratio clicks/displays
    abkit srm --counts 50210,49790
    """


@main.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option(
    "--protocol",
    "protocol_path",
    type=click.Path(exists=True, dir_okay=False),
    help="A protocol TOML file: analyse what was registered (metrics, arms, alpha).",
)
@click.option("--variant", default="variant", show_default=True, help="The arm column.")
@click.option("--control", default="control", show_default=True, help="The control arm's name.")
@click.option("--mean", "means", multiple=True, metavar="COL", help="A mean metric (Welch t). Repeatable.")
@click.option("--proportion", "proportions", multiple=True, metavar="COL", help="A 0/1 metric (z test). Repeatable.")
@click.option(
    "--ratio",
    "ratios",
    multiple=True,
    metavar="NUM/DEN",
    help="A ratio of means, e.g. clicks/displays (delta method). Repeatable.",
)
@click.option(
    "--covariate",
    "covariates",
    multiple=True,
    metavar="METRIC=COL",
    help="CUPED covariate: revenue=revenue_pre, or clicks/displays=clicks_pre/displays_pre.",
)
@click.option("--alpha", default=0.05, show_default=True, type=float)
@click.option(
    "--correction",
    default="holm",
    show_default=True,
    type=click.Choice(["holm", "bonferroni", "hochberg", "BH", "BY", "none"]),
)
@click.option(
    "--alternative", default="two-sided", show_default=True, type=click.Choice(["two-sided", "greater", "less"])
)
@click.option("--expected", metavar="ARM=SHARE,...", help="Planned split for SRM, e.g. control=0.5,treatment=0.5.")
@click.option(
    "--missing",
    default="raise",
    show_default=True,
    type=click.Choice(["raise", "drop"]),
    help="NaN/inf in a used column: an error, or drop the rows (counted and reported).",
)
@click.option("--unit", default=None, help="Unit id column (duplicates are an error, unless --events).")
@click.option("--events", is_flag=True, help="One row per event: sum each metric column per --unit first.")
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(FORMATS))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.option("--time", "generated_at", default=None, help="Report timestamp (html), for byte-identical reports.")
@click.option(
    "--fail-on",
    type=click.Choice(["no-ship", "invalid", "not-ship"]),
    help="Exit 1 when the decision is no-ship, invalid, or anything but ship.",
)
@handle_errors
def analyze(data: str, protocol_path: str | None, variant: str, control: str, means: tuple[str, ...],
            proportions: tuple[str, ...], ratios: tuple[str, ...], covariates: tuple[str, ...], alpha: float,
            correction: str, alternative: str, expected: str | None, missing: str, unit: str | None, events: bool,
            fmt: str,
            out: str | None, generated_at: str | None, fail_on: str | None) -> None:  # fmt: skip
    """Analyse an experiment in DATA (CSV, TSV or Parquet): every metric, every arm against control."""
    import abkit as ab

    if protocol_path:
        from abkit.protocols import Protocol

        result = ab.analyze(data, protocol=Protocol.load(protocol_path), missing=missing, events=events)
    else:
        cov = {}
        for item in covariates:
            if "=" not in item:
                raise click.BadParameter(f"--covariate takes METRIC=COL, got {item!r}")
            k, v = item.split("=", 1)
            cov[k.strip()] = v.strip()
        metrics: list[Any] = [ab.Mean(c, covariate=cov.pop(c, None)) for c in means]
        metrics += [ab.Proportion(c, covariate=cov.pop(c, None)) for c in proportions]
        for r in ratios:
            if r.count("/") != 1:
                raise click.BadParameter(f"--ratio takes NUM/DEN, got {r!r}")
            num, den = (s.strip() for s in r.split("/"))
            c = cov.pop(r, None)
            pre = None
            if c is not None:
                if c.count("/") != 1:
                    raise click.BadParameter(f"--covariate for a ratio takes NUM/DEN=NUM_PRE/DEN_PRE, got {c!r}")
                a, b = (s.strip() for s in c.split("/"))
                pre = (a, b)
            metrics.append(ab.Ratio(num, den, covariate=pre))
        if cov:
            raise click.BadParameter(f"--covariate names metrics that were not asked for: {', '.join(cov)}")
        if not metrics:
            raise click.UsageError("give at least one metric (--mean, --proportion, --ratio) or --protocol")
        split = None
        if expected:
            split = _shares(expected, "--expected")
        result = ab.analyze(data, metrics, variant=variant, control=control, alpha=alpha,
                            correction=None if correction == "none" else correction, alternative=alternative,
                            expected_split=split, missing=missing, unit=unit, events=events,
                            name=Path(data).stem)  # fmt: skip
    emit(render(result, fmt, generated_at=generated_at), out)
    verdict = result.decision.verdict
    if (fail_on == "not-ship" and verdict != "ship") or fail_on == verdict:
        sys.exit(1)


@main.command()
@click.option("--counts", required=True, metavar="N1,N2,...", help="Units per arm, e.g. 50210,49790.")
@click.option("--expected", metavar="P1,P2,...", help="Planned shares (sum to 1); default equal.")
@click.option("--threshold", default=0.001, show_default=True, type=float, help="Flag a mismatch below this p-value.")
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "json"]))
@click.option("--fail-on-mismatch", is_flag=True, help="Exit 1 when a mismatch is flagged.")
@handle_errors
def srm(counts: str, expected: str | None, threshold: float, fmt: str, fail_on_mismatch: bool) -> None:
    """Sample-ratio-mismatch check: chi-square goodness of fit of arm sizes against the planned split."""
    import abkit as ab

    result = ab.stats.srm(_floats(counts, "--counts"), expected=_floats(expected, "--expected") if expected else None,
                          threshold=threshold)  # fmt: skip
    if fmt == "json":
        click.echo(result.to_json())
    else:
        verdict = "MISMATCH: do not trust this experiment" if result.mismatch else "ok"
        click.echo(f"chi-square = {result.statistic:.4f}, df = {result.df}, p = {result.pvalue:.4g}: {verdict}")
        click.echo(result.table.to_string(index=False))
    if fail_on_mismatch and result.mismatch:
        sys.exit(1)


@main.command()
@click.option(
    "--out",
    default="abkit-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the demo's data and report.",
)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--users", default=None, type=int, help="Users in the simulated online test (default: the designed size)."
)
@handle_errors
def demo(out: str, seed: int, users: int) -> None:
    """The whole story on synthetic recommender data, ending in a committee report."""
    from abkit.demo import run_demo

    run_demo(Path(out), seed=seed, users=users, echo=click.echo)


@main.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option(
    "--protocol",
    "protocol_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Protocol TOML: metrics, arms, alpha, the [sequential] plan and the planned units.",
)
@click.option("--time", "time_col", default="date", show_default=True, help="The date column (one look per day).")
@click.option("--variant", default="variant", show_default=True)
@click.option("--control", default="control", show_default=True)
@click.option("--mean", "means", multiple=True, metavar="COL", help="Without a protocol: a mean metric.")
@click.option("--proportion", "proportions", multiple=True, metavar="COL", help="Without a protocol: a 0/1 metric.")
@click.option("--mde", type=float, help="Relative MDE the always-valid test is tuned to (default: the protocol's).")
@click.option("--allow-gaps", is_flag=True, help="Accept days without units.")
@click.option(
    "--missing",
    default="raise",
    show_default=True,
    type=click.Choice(["raise", "drop"]),
    help="NaN/inf in a monitored column: an error, or leave those rows out of every look.",
)
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(FORMATS))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False))
@click.option("--time-stamp", "generated_at", default=None, help="Report timestamp (html).")
@click.option("--fail-on-harm", is_flag=True, help="Exit 1 when a series recommends stopping for harm.")
@handle_errors
def monitor(data: str, protocol_path: str | None, time_col: str, variant: str, control: str, means: tuple[str, ...],
            proportions: tuple[str, ...], mde: float | None, allow_gaps: bool, missing: str, fmt: str, out: str | None,
            generated_at: str | None, fail_on_harm: bool) -> None:  # fmt: skip
    """Monitor a running test day by day: cumulative effects, boundaries or confidence sequences, a recommendation."""
    import abkit as ab

    protocol = ab.Protocol.load(protocol_path) if protocol_path else None
    metrics = [ab.Mean(c) for c in means] + [ab.Proportion(c) for c in proportions] or None
    result = ab.monitor(data, protocol, metrics=metrics, time=time_col, variant=variant, control=control, mde=mde,
                        allow_gaps=allow_gaps, missing=missing)  # fmt: skip
    emit(render(result, fmt, generated_at=generated_at), out)
    if fail_on_harm and result.recommendation == "stop-harm":
        sys.exit(1)


@main.command()
@click.argument("units", type=click.Path(exists=True, dir_okay=False))
@click.option("--salt", required=True, help="The experiment's salt: the same salt gives the same arms everywhere.")
@click.option(
    "--split",
    "split_text",
    default="50,50",
    show_default=True,
    help="Percents per arm (control first), or ARM=SHARE,... e.g. control=0.5,treatment=0.5.",
)
@click.option("--unit", "unit_col", default=None, help="The unit id column (default: the first column).")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False), help="CSV to write.")
@handle_errors
def assign(units: str, salt: str, split_text: str, unit_col: str | None, out: str) -> None:
    """Assign the unit ids in UNITS (CSV, TSV or Parquet) to arms by a stable hash of salt and id."""
    from abkit.protocols.assignment import assign_file

    split: Any = _shares(split_text, "--split") if "=" in split_text else _floats(split_text, "--split")
    n = assign_file(units, out, salt=salt, split=split, unit=unit_col)
    click.echo(f"assigned {n:,} units -> {out}", err=True)


@main.command()
@click.option("--looks", type=int, help="Equally spaced looks.")
@click.option("--information", metavar="F1,F2,...", help="Information fractions, e.g. 0.3,0.6,1.")
@click.option("--alpha", default=0.05, show_default=True, type=float)
@click.option("--sides", default="2", show_default=True, type=click.Choice(["1", "2"]))
@click.option("--spending", type=click.Choice(["obrien-fleming", "pocock", "hwang-shih-decani", "kim-demets"]))
@click.option("--boundary", type=click.Choice(["obrien-fleming", "pocock"]), help="Classical (Wang-Tsiatis) instead.")
@click.option("--gamma", default=-4.0, show_default=True, type=float, help="Hwang-Shih-DeCani parameter.")
@click.option("--rho", default=3.0, show_default=True, type=float, help="Kim-DeMets parameter.")
@click.option("--power", "target_power", default=0.8, show_default=True, type=float, help="For the inflation factor.")
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "json", "csv"]))
@handle_errors
def boundaries(looks: int | None, information: str | None, alpha: float, sides: str, spending: str | None,
               boundary: str | None, gamma: float, rho: float, target_power: float, fmt: str) -> None:  # fmt: skip
    """Group-sequential efficacy boundaries, alpha spent per look, and the sample-size inflation factor."""
    import json

    import abkit as ab
    from abkit.results import jsonable

    if spending is None and boundary is None:
        spending = "obrien-fleming"
    gs = ab.GroupSequential(looks=looks, information=_floats(information, "--information") if information else None,
                            alpha=alpha, sides=int(sides), spending=spending, boundary=boundary, gamma=gamma,
                            rho=rho)  # fmt: skip
    table = gs.table
    inflation = gs.inflation(power=target_power)
    if fmt == "json":
        click.echo(json.dumps({"schema_version": 1, "inflation": inflation, "table": jsonable(table)}, indent=2))
    elif fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    else:
        click.echo(table.to_string(index=False))
        click.echo(f"sample-size inflation at power {target_power:g}: {inflation:.5f}")


@main.command()
@click.argument("logs", type=click.Path(dir_okay=False))
@click.option("--estimators", default=None, help="Comma-separated, e.g. ips,snips,ncis,dr (default: all that apply).")
@click.option("--cap", type=float, default=None, help="Cap of the importance weights (capped IPS, NCIS).")
@click.option("--candidates", default=None, help="Comma-separated target-propensity columns, one per candidate.")
@click.option("--confidence-level", default=0.95, show_default=True, type=float)
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(FORMATS))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False))
@click.option("--time-stamp", "generated_at", default=None, help="Report timestamp (html).")
@handle_errors
def offline(logs: str, estimators: str | None, cap: float | None, candidates: str | None, confidence_level: float,
            fmt: str, out: str | None, generated_at: str | None) -> None:  # fmt: skip
    """Estimate candidate policies' value and lift over production from logged data (LOGS: CSV, TSV, Parquet)."""
    import abkit as ab

    res = ab.metrics.evaluate(logs, estimators=estimators, cap=cap,
                              candidates=_split_list(candidates, "--candidates") or None,
                              confidence_level=confidence_level)  # fmt: skip
    if fmt == "html":
        emit(res.to_html(histogram=_histogram(logs, res), generated_at=generated_at), out)
    else:
        emit(render(res, fmt), out)


def _histogram(logs: Any, res: Any) -> Any:
    from abkit.metrics.diagnostics import weight_histogram

    d = res.diagnostics.iloc[0]
    return weight_histogram(logs, min_weight=float(d["min_weight"]), max_weight=float(d["max_weight"]))


@main.command("compare-models")
@click.argument("predictions", type=click.Path(dir_okay=False))
@click.option("--label", required=True, help="The 0/1 outcome column.")
@click.option("--baseline", required=True, help="The production model's predicted probability column.")
@click.option("--candidate", required=True, help="The new model's predicted probability column.")
@click.option(
    "--tolerance",
    "tolerances",
    multiple=True,
    metavar="METRIC=VALUE",
    help="Largest acceptable degradation, e.g. auc=0.002. Repeatable.",
)
@click.option("--confidence-level", default=0.95, show_default=True, type=float)
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "json", "csv"]))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False))
@click.option("--fail-on-regression", is_flag=True, help="Exit 1 when a metric regressed beyond its tolerance.")
@handle_errors
def compare_models(predictions: str, label: str, baseline: str, candidate: str, tolerances: tuple[str, ...],
                   confidence_level: float, fmt: str, out: str | None, fail_on_regression: bool) -> None:  # fmt: skip
    """Non-regression check of a candidate model against the baseline on the same rows (paired intervals)."""
    import abkit as ab

    tol = _key_values(list(tolerances), "--tolerance", "METRIC=VALUE, e.g. auc=0.002")
    res = ab.metrics.compare_models(predictions, label=label, baseline=baseline, candidate=candidate,
                                    tolerances=tol, confidence_level=confidence_level)  # fmt: skip
    emit(render(res, fmt), out)
    if fail_on_regression and not res.passed:
        sys.exit(1)


@main.command()
@click.argument("data", type=click.Path(dir_okay=False))
@click.option(
    "--protocol",
    "protocol_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The pre-registered protocol (TOML).",
)
@click.option(
    "--logs",
    "logs_path",
    type=click.Path(dir_okay=False),
    help="Logged data of the offline evaluation, to show its prediction next to the online result.",
)
@click.option(
    "--estimators",
    default=None,
    help="Offline estimators to show, e.g. snips,ncis,dr (default: all that apply to the logs and --cap).",
)
@click.option("--cap", type=float, default=None, help="Cap of the offline importance weights.")
@click.option("--time", "time_col", default=None, help="Date column: adds the effect over time with boundaries.")
@click.option("--missing", default="raise", show_default=True, type=click.Choice(["raise", "drop"]))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--time-stamp",
    "generated_at",
    default=None,
    help="Timestamp printed in the report; give it for byte-identical reports.",
)
@handle_errors
def report(data: str, protocol_path: str, logs_path: str | None, estimators: str | None, cap: float | None,
           time_col: str | None, missing: str, out: str, generated_at: str | None) -> None:  # fmt: skip
    """One committee report: the protocol, the live results in DATA and, optionally, the offline prediction."""
    import abkit as ab
    from abkit.protocols.plancheck import plan_checks

    protocol = ab.Protocol.load(protocol_path)
    result = ab.analyze(data, protocol=protocol, missing=missing)
    timeline = ab.monitor(data, protocol, time=time_col) if time_col else None
    offline_result = ab.metrics.evaluate(logs_path, estimators=estimators, cap=cap) if logs_path else None
    command = "abkit " + " ".join(sys.argv[1:]) if sys.argv else ""
    html = result.to_html(generated_at=generated_at, protocol=protocol, timeline=timeline, offline=offline_result,
                          plan_checks=plan_checks(protocol, result, monitoring=timeline), command=command)  # fmt: skip
    emit(html, out)


@main.command()
@click.option(
    "--protocol",
    "protocol_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Size this protocol and write its [plan] (with -o).",
)
@click.option(
    "--history",
    type=click.Path(exists=True, dir_okay=False),
    help="Pre-experiment data (CSV/TSV/Parquet), one row per unit: baselines, sds, CUPED correlations; "
    "with a date column, the distinct-units curve gives the days.",
)
@click.option(
    "--metric",
    "kind",
    type=click.Choice(["mean", "proportion", "ratio"]),
    help="Quick sizing without a protocol: the metric's kind.",
)
@click.option("--baseline", type=float, help="Control value (proportion, or the base of a relative MDE).")
@click.option("--sd", type=float, help="Per-unit sd (mean; ratio: of the linearised ratio).")
@click.option("--mde", type=float, help="Minimum detectable effect (treatment - control).")
@click.option("--relative", is_flag=True, help="--mde is relative to --baseline (0.02 = +2%).")
@click.option(
    "--daily-units",
    type=click.FloatRange(min=0, min_open=True),
    help="Units entering the test per day, all arms together.",
)
@click.option("--alpha", type=float, default=0.05, show_default=True)
@click.option("--power", type=float, default=None, help="Target power [default: 0.8, or the protocol's].")
@click.option("--arms", type=int, default=2, show_default=True, help="Arms including control (quick sizing).")
@click.option(
    "--alternative", default="two-sided", show_default=True, type=click.Choice(["two-sided", "greater", "less"])
)
@click.option(
    "--correction",
    default="holm",
    show_default=True,
    type=click.Choice(["holm", "bonferroni", "hochberg", "BH", "BY", "none"]),
)
@click.option("--time", "time_col", default="date", show_default=True, help="The history's day column.")
@click.option("--designed-at", default=None, help="Timestamp written to the plan (the clock is never read).")
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "json", "html"]))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False),
    help="With --protocol: write the designed protocol (TOML) here.",
)
@handle_errors
def design(protocol_path: str | None, history: str | None, kind: str | None, baseline: float | None,
           sd: float | None, mde: float | None, relative: bool, daily_units: float | None, alpha: float,
           power: float | None, arms: int, alternative: str, correction: str, time_col: str,
           designed_at: str | None, fmt: str, out: str | None) -> None:  # fmt: skip
    """Size a test: units per arm, total and days.

    \b
    abkit design --metric proportion --baseline 0.032 --mde 0.02 --relative --daily-units 1e6
    abkit design --protocol experiment.toml --history hist.parquet -o experiment.toml
    """
    import math

    import abkit as ab

    if protocol_path:
        if kind is not None:
            raise click.UsageError("give either --protocol or --metric, not both")
        protocol = ab.Protocol.load(protocol_path)
        result = ab.design(protocol, history=history, daily_units=daily_units, sd=sd, baseline=baseline, power=power,
                           time=time_col, designed_at=designed_at)  # fmt: skip
        if out:
            result.protocol.save(out)
            click.echo(f"wrote {out}", err=True)
        text = {"json": result.to_json, "html": result.to_html}.get(fmt, lambda: str(result))()
        click.echo(text)
        return
    if kind is None or mde is None:
        raise click.UsageError("give --protocol, or --metric and --mde (with --baseline and/or --sd)")
    if fmt == "html":
        raise click.UsageError("-f html needs --protocol (the report shows the protocol's plan)")
    n = ab.sample_size(kind, baseline=baseline, mde=mde, relative=relative, sd=sd, alpha=alpha,
                       power=0.8 if power is None else power, alternative=alternative, arms=arms,
                       correction=None if correction == "none" else correction)  # fmt: skip
    per_arm = math.ceil(n)
    total = per_arm * arms
    days = math.ceil(total / daily_units) if daily_units else None
    if fmt == "json":
        import json

        click.echo(json.dumps({"schema_version": 1, "units_per_arm": per_arm, "total_units": total, "days": days,
                               "units_per_arm_exact": n}))  # fmt: skip
        return
    click.echo(f"units per arm: {per_arm:,}")
    click.echo(f"total units:   {total:,} ({arms} arms)")
    click.echo(f"days:          {days:,}" if days is not None else "days:          (give --daily-units)")


@main.command("simulate-aa")
@click.option("--protocol", "protocol_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--history",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Pre-experiment data (CSV/TSV/Parquet) with the protocol's metric columns.",
)
@click.option("--n-sim", default=1000, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--missing", default="raise", show_default=True, type=click.Choice(["raise", "drop"]))
@click.option("-f", "--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "json"]))
@click.option("--fail-on-inflated", is_flag=True, help="Exit 1 when a metric's false-positive rate is above alpha.")
@handle_errors
def simulate_aa(protocol_path: str, history: str, n_sim: int, seed: int, missing: str, fmt: str,
                fail_on_inflated: bool) -> None:  # fmt: skip
    """A/A simulation: re-randomise the history into the planned arms and measure false positives."""
    import abkit as ab

    result = ab.simulate_aa(history, ab.Protocol.load(protocol_path), n_sim=n_sim, rng=seed, missing=missing)
    click.echo(result.to_json() if fmt == "json" else str(result))
    if fail_on_inflated and (result.table["status"] == "inflated").any():
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()

"""``abkit demo`` tells the whole story and writes the same report bytes on every run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from abkit.cli import main


def test_demo_writes_the_committee_report_reproducibly(tmp_path: Path) -> None:
    pages = []
    for run in ("a", "b"):
        out = tmp_path / run / "abkit-demo"
        result = CliRunner().invoke(main, ["demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Committee report:" in result.stdout
        for name in ("report.html", "offline.html", "design.html", "experiment.toml", "logs.parquet"):
            assert (out / name).exists(), name
        pages.append((out / "report.html").read_bytes())
    assert pages[0] == pages[1]
    html = pages[0].decode()
    for section in ("Verdict", "Can the test be trusted?", "Effect over time", "Offline prediction and online result"):
        assert section in html

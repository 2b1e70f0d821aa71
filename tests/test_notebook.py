"""The example notebook runs from top to bottom without errors (nbclient with the venv's kernel)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.slow
def test_notebook_tour_runs_without_errors(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "experiment.toml", tmp_path / "experiment.toml")
    nb = nbformat.read(EXAMPLES / "tour.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 3  # results render as HTML tables in Jupyter
    assert (tmp_path / "ranker-v2-report.html").stat().st_size > 20_000

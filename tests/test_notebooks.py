"""Every demo notebook runs from top to bottom without an error or a warning.

Each notebook is executed in a fresh ``python3`` kernel (ipykernel, the
interpreter running pytest) by nbclient, in a temporary working directory (the
notebooks may write files such as GIFs there) with the Agg backend.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert len(NOTEBOOKS) >= 3, "notebooks/ is missing or empty"


def test_notebooks_are_stored_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"{path.name} cell {index}"
                )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_executes_without_errors_or_warnings(path, tmp_path, monkeypatch):
    # The kernel inherits this environment: no window can open, and
    # jupyter_core uses its current (platformdirs) paths instead of warning
    # that it will switch to them (a DeprecationWarning, an error under -W error).
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,  # per cell, only a hang guard: a whole notebook takes seconds
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error

    warnings = [
        output["text"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("name") == "stderr" and "Warning" in output.get("text", "")
    ]
    assert not warnings, f"{path.name} printed warnings:\n" + "\n".join(warnings)

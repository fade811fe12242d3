"""Every demo notebook runs from top to bottom without an error or a warning, and stays light.

Each notebook is executed in a fresh ``python3`` kernel (ipykernel, the
interpreter running pytest) by nbclient, in a temporary working directory (the
notebooks may write files such as GIFs there) with the Agg backend.

The notebooks' words match their numbers: every number or comparison a
notebook's text states is printed by the cell beside it or checked by an
``assert`` in it, so a change that makes text and result drift apart fails here.
"""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

#: An executed notebook stays under this size (animations are linked, not embedded).
MAX_EXECUTED_BYTES = 2_000_000
#: Figures are drawn at a resolution that reads well on a laptop screen.
MIN_DPI = 120


def png_dpi(png: bytes) -> float | None:
    """The resolution a PNG's pHYs chunk records (matplotlib writes it), or None."""
    at = png.find(b"pHYs")
    if at < 0:
        return None
    per_metre, _, unit = struct.unpack(">IIB", png[at + 4 : at + 13])
    return per_metre * 0.0254 if unit == 1 else None


def test_the_notebooks_are_there():
    assert len(NOTEBOOKS) >= 3, "notebooks/ is missing or empty"


def test_every_notebook_checks_what_its_text_states():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
        assert len(re.findall(r"^\s*assert ", code, flags=re.M)) >= 3, path.name


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

    size = len(nbformat.writes(notebook).encode())
    assert size < MAX_EXECUTED_BYTES, f"{path.name} executes to {size} bytes"
    pngs = [
        base64.b64decode(output["data"]["image/png"])
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert pngs, f"{path.name} drew no figure"
    for png in pngs:
        dpi = png_dpi(png)
        assert dpi is not None and dpi >= MIN_DPI - 0.5, f"{path.name}: a figure at {dpi} dpi"

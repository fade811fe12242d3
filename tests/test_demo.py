"""The demo (``python -m annlib``): it runs, prints its table and writes its pictures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import pytest
from PIL import Image

from annlib import __main__ as demo

PICTURES = [
    "architecture.png",
    "decision_boundaries.png",
    "hopfield_glyphs.png",
    "loss_curves.png",
    "training.gif",
]
TASKS = ["two Gaussians", "noisy XOR", "4 spirals"]


def table_rows(stdout):
    """{task: (accuracy, seconds)} from the printed summary table."""
    rows = {}
    for task in TASKS:
        match = re.search(
            rf"^{task}\s+MLP \[.*?\]\s.*?\s([01]\.\d{{3}})\s+-\s+(\d+\.\d+)$", stdout, re.MULTILINE
        )
        assert match, f"no table row for {task!r} in:\n{stdout}"
        rows[task] = (float(match.group(1)), float(match.group(2)))
    return rows


def test_demo_command_prints_the_table_and_writes_the_pictures(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    # The quick demo takes a few seconds; the timeout only guards against a hang.
    result = subprocess.run(
        [sys.executable, "-m", "annlib", "--out", "tmp", "--quick", "--seed", "1"],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["task", "model", "accuracy", "recall", "seconds"]
    for task, (accuracy, seconds) in table_rows(result.stdout).items():
        assert accuracy >= 0.8, task  # held-out accuracy: every problem is learnt
        assert seconds < 30
    out = tmp_path / "tmp"
    assert str(out.resolve()) in result.stdout  # it names the folder it wrote to
    for name in PICTURES:
        with Image.open(out / name) as image:
            assert image.format == name.rsplit(".", 1)[1].upper()
            assert image.size[0] > 100
            if image.format == "PNG":  # sharp on a laptop screen
                assert min(image.info["dpi"]) >= 120
    with Image.open(out / "training.gif") as gif:
        assert gif.n_frames == 10
    assert "annlib demo" in result.stderr  # the progress bar
    assert result.stdout.count("glyphs, 25% flipped") == 2  # async and sync recall


def test_demo_writes_to_annlib_demo_in_the_working_directory_by_default(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert demo.main(["--quick"]) == 0
    written = sorted(p.name for p in (tmp_path / "annlib-demo").iterdir())
    assert set(PICTURES) <= set(written)
    assert set(table_rows(capsys.readouterr().out)) == set(TASKS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--seed", "-1"], "--seed: expected a non-negative integer"), (["--bogus"], "unrecognized")],
)
def test_demo_rejects_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_is_installed_as_the_annlib_demo_command():
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts.get("annlib-demo") == "annlib.__main__:main"


def test_hopfield_section_restores_glyphs_and_reports_recall(tmp_path):
    rows = demo.hopfield_section(tmp_path, seed=0)
    assert [row["model"].rsplit(" ", 1)[1] for row in rows] == ["async", "sync"]
    assert all(row["recall"] == 1.0 and row["seconds"] >= 0 for row in rows)
    with Image.open(tmp_path / "hopfield_glyphs.png") as image:
        assert image.format == "PNG"
    table = demo._table(rows)
    assert "recall" in table.splitlines()[0] and "1.000" in table


def test_demo_pictures_have_labelled_axes_and_legends(tmp_path):
    tasks = demo._classification_tasks(seed=0, quick=True)
    trained = []
    for task in tasks:
        X, y = task["data"]
        trained.append((task, task["model"].fit(X, y, 5), X, y, X, y))
    for name, draw in demo.PICTURES.items():
        figure = draw(trained)
        for ax in figure.axes:
            assert ax.get_title(), name
            labels = [ax.get_xlabel(), ax.get_ylabel()]
            ticks = [t.get_text() for t in ax.get_xticklabels()]
            assert all(labels) or (name == "architecture.png" and all(ticks)), name
        if name != "architecture.png":
            assert all(ax.get_legend() is not None for ax in figure.axes), name

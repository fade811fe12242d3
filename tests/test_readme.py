"""The README's Python examples run as written and print what they say."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_quickstart_runs_and_prints_the_promised_results():
    blocks = python_blocks()
    assert blocks, "README.md has no python example"
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), {})
        for line in block.splitlines():
            code, _, comment = line.partition("#")
            promised = re.match(r"\s*(\[[\d ]+\] [\d.]+)\s*$", comment)
            if code.strip().startswith("print(") and promised:
                assert promised.group(1) in out.getvalue()


def test_readme_names_the_test_command_that_ci_runs():
    text = README.read_text(encoding="utf-8")
    marker = text.index("<!-- test-command -->")
    assert 'pip install ".[test]" && pytest' in text[marker : marker + 80]


# The README's API tables against the engine's name tables: a new activation,
# loss, optimizer, init, rule or scoring must be documented there too.
README_TABLES = ["ACTIVATIONS", "LOSSES", "OPTIMIZERS", "INITS", "RULES", "SCORINGS"]


def test_readme_names_every_entry_of_the_engine_tables():
    from annlib import _core

    text = README.read_text(encoding="utf-8")
    missing = {
        table: [name for name in getattr(_core, table) if f"`{name}`" not in text]
        for table in README_TABLES
    }
    assert not any(missing.values()), f"document these in README.md: {missing}"

"""The README's examples run as written and print what they say; its commands work from a checkout."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


def claim_of(line):
    """What a ``print(...)  # claim: why`` line promises to print, or None without a comment."""
    code, hash_, comment = line.partition("  # ")
    if not code.strip().startswith("print(") or not hash_:
        return None
    return comment.split(": ")[0].strip()


def test_the_readme_has_python_examples():
    assert PYTHON_BLOCKS, "README.md has no python example"


@pytest.mark.parametrize("number", range(len(PYTHON_BLOCKS)))
def test_every_python_block_runs_and_prints_what_its_comments_say(number):
    block = PYTHON_BLOCKS[number]
    printed = {}

    def recording_print(*values, sep=" ", end="\n", file=None, flush=False):
        printed.setdefault(sys._getframe(1).f_lineno, []).append(sep.join(map(str, values)))

    exec(compile(block, f"README.md python block {number}", "exec"), {"print": recording_print})
    for line_number, line in enumerate(block.splitlines(), start=1):
        if not line.lstrip().startswith("print("):
            continue
        claim = claim_of(line)
        assert claim, f"README line {line!r}: a print needs a '# what it prints' comment"
        assert printed.get(line_number) == [claim], (
            f"README line {line!r} printed {printed.get(line_number)}"
        )


def pip_commands():
    return [match.strip() for match in re.findall(r"pip install ([^`\n&;#]+)", TEXT)]


def test_every_pip_install_installs_this_checkout_with_extras_it_has():
    # annlib is not on a package index: `pip install annlib[...]` would fail.
    extras_table = re.search(
        r"^\[project\.optional-dependencies\]\n(.*?)(?:^\[|\Z)",
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
        flags=re.S | re.M,
    ).group(1)
    extras = set(re.findall(r"^(\w+) = \[", extras_table, flags=re.M))
    options = set(re.findall(r"^option\((\w+)", (ROOT / "CMakeLists.txt").read_text(), flags=re.M))
    commands = pip_commands()
    assert len(commands) >= 5
    for command in commands:
        words = command.split()
        # pip's own options (--no-build-isolation, -v) may come before the target.
        target = next(word for word in words if not word.startswith("-"))
        rest = words[words.index(target) + 1 :]
        match = re.fullmatch(r'\.|"\.\[([\w,]+)\]"', target)
        assert match, f'pip install {command}: expected . or ".[extra]" (from a checkout)'
        assert set((match.group(1) or "").split(",")) - {""} <= extras, command
        for option in re.findall(r"-C cmake\.define\.(\w+)=", " ".join(rest)):
            assert option in options, command


def test_every_script_and_module_the_readme_runs_exists():
    scripts = re.findall(r"python (benchmarks/\w+\.py)", TEXT)
    assert scripts and all((ROOT / script).is_file() for script in scripts)
    assert "python -m annlib" in TEXT and (ROOT / "src/annlib/__main__.py").is_file()


def test_readme_names_the_test_command_that_ci_runs():
    marker = TEXT.index("<!-- test-command -->")
    assert 'pip install ".[test]" && pytest' in TEXT[marker : marker + 80]
    assert "<!-- test-command -->" in (ROOT / ".ci/run").read_text()  # CI runs the line after it


# The README's API tables against the engine's name tables: a new activation,
# loss, optimizer, init, rule or scoring must be documented there too.
README_TABLES = ["ACTIVATIONS", "LOSSES", "OPTIMIZERS", "INITS", "RULES", "SCORINGS"]


def test_readme_names_every_entry_of_the_engine_tables():
    from annlib import _core

    text = TEXT
    missing = {
        table: [name for name in getattr(_core, table) if f"`{name}`" not in text]
        for table in README_TABLES
    }
    assert not any(missing.values()), f"document these in README.md: {missing}"

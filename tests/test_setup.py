"""The project's setup: the README's two commands exist and start from a venv, CI runs the README's
test command, and the runtime dependencies are exactly the allowed four."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    """The commands in the README's ```bash blocks, one per line."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", readme, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


VENV_STEPS = ["python3 -m venv .venv", ". .venv/bin/activate"]


def test_readme_has_the_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    lab, tests = commands
    assert "python -m examples.lab1" in lab
    assert "python -m pytest" in tests


def test_both_commands_start_from_a_virtual_environment():
    """A Debian/Ubuntu system Python refuses `pip install` outside a venv (externally-managed-environment)."""
    for command in _readme_commands():
        steps = [part.strip() for part in command.split("&&")]
        assert steps[:2] == VENV_STEPS, command


def test_the_readme_says_where_the_commands_run_and_how_long_the_tests_take():
    readme = (ROOT / "README.md").read_text()
    two_commands = readme[readme.index("## Two commands") :].split("\n## ")[0]
    assert "from the repository root" in two_commands
    assert re.search(r"Run the tests \(about \d+ minutes?", two_commands), "the suite's duration is missing"


def test_the_readme_commands_refer_to_things_that_exist():
    extras = _pyproject()["project"].get("optional-dependencies", {})
    for command in _readme_commands():
        for part in command.split("&&"):
            words = shlex.split(part)
            if part.strip() in VENV_STEPS:
                continue
            if words[:2] == ["pip", "install"]:
                target = words[-1]
                match = re.fullmatch(r"\.(?:\[(\w+)\])?", target)
                assert match, f"pip installs {target!r}, not this project"
                assert match.group(1) is None or match.group(1) in extras, f"no extra [{match.group(1)}]"
            elif words[:2] == ["python", "-m"]:
                module = words[2]
                if module != "pytest":
                    assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), f"{module} is missing"
                else:
                    assert importlib.util.find_spec("pytest") is not None
            else:
                pytest.fail(f"unexpected README command {part!r}")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    ci_lines = [line.strip() for line in ci.splitlines() if line.strip() and not line.strip().startswith("#")]
    readme_test_command = _readme_commands()[1]
    assert readme_test_command in ci_lines
    pytest_lines = [line for line in ci_lines if "pytest" in line]
    assert pytest_lines == [readme_test_command], "CI runs another test command than the README's"


def test_runtime_dependencies_are_exactly_the_allowed_four():
    dependencies = _pyproject()["project"]["dependencies"]
    names = sorted(re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower() for spec in dependencies)
    assert names == ["graphviz", "matplotlib", "numpy", "tqdm"]


def test_dev_extra_has_the_test_tools():
    dev = _pyproject()["project"]["optional-dependencies"]["dev"]
    names = {re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower() for spec in dev}
    assert {"pytest", "hypothesis"} <= names

"""Packaging (SPEC §7): `__version__` and `py.typed` in both packages, and the guard against
another distribution's `autograd` (HIPS autograd) or `nn` mixed with or hiding ours.

The guard is tested in fresh processes, with fake shadowing packages built in a temp dir and
put on PYTHONPATH; the installed package in a temp venv built by `pip install` of this tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERSION = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)
HIPS_INIT = '"""HIPS autograd, faked for a test."""\nfrom autograd.differential_operators import grad\n'


def run(code: str, *path: Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -c code` in a fresh process whose sys.path starts with `path` (cwd holds no package)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NPGRAD_ALLOW_SHADOWING")}
    environment["PYTHONPATH"] = os.pathsep.join(map(str, path))
    environment.update(env or {})
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environment, capture_output=True, text=True)


def make_hips(folder: Path) -> Path:
    """A fake HIPS autograd package in `folder`."""
    package = folder / "autograd"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(HIPS_INIT)
    (package / "differential_operators.py").write_text("def grad(fun):\n    return fun\n")
    (package / "tracer.py").write_text("")
    return folder


def assert_names_both_and_the_fix(result: subprocess.CompletedProcess, name: str) -> None:
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: "), result.stderr
    assert "npgrad" in last and f"`{name}`" in last, last
    assert "virtual environment" in last and "pip uninstall" in last and "NPGRAD_ALLOW_SHADOWING" in last, last


def test_version_and_py_typed_from_the_source_tree():
    import autograd
    import nn

    try:
        from importlib.metadata import version

        expected = version("npgrad")
    except Exception:
        expected = "0+unknown"  # a source checkout that is not installed
    assert autograd.__version__ == nn.__version__ == expected
    assert (ROOT / "autograd" / "py.typed").is_file() and (ROOT / "nn" / "py.typed").is_file()
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert package_data == {"autograd": ["py.typed"], "nn": ["py.typed"]}


def test_import_stays_cheap(tmp_path):
    """The guard and __version__ load nothing beyond what autograd loaded before (numpy)."""
    heavy = ("importlib.metadata", "email", "zipfile")
    code = f"import sys, autograd, nn; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = run(code, ROOT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_hips_autograd_mixed_into_our_folder_is_refused(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "autograd", site / "autograd", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "autograd" / "tracer.py").write_text("")  # what `pip install autograd` adds next to ours
    (site / "autograd" / "differential_operators.py").write_text("")
    result = run("import autograd", site, cwd=tmp_path)
    assert_names_both_and_the_fix(result, "autograd")
    assert "mixed with npgrad's in one folder" in result.stderr


def test_hips_autograd_hiding_ours_is_refused_at_import_nn(tmp_path):
    hips = make_hips(tmp_path / "hips")
    result = run("import nn", hips, ROOT, cwd=tmp_path)
    assert_names_both_and_the_fix(result, "autograd")
    assert "HIPS autograd" in result.stderr and str(hips / "autograd") in result.stderr


def test_ours_hiding_hips_autograd_is_refused(tmp_path):
    hips = make_hips(tmp_path / "hips")
    result = run("import autograd", ROOT, hips, cwd=tmp_path)
    assert_names_both_and_the_fix(result, "autograd")
    assert str(hips / "autograd") in result.stderr


def test_another_nn_on_the_path_is_refused(tmp_path):
    other = tmp_path / "other"
    (other / "nn").mkdir(parents=True)
    (other / "nn" / "__init__.py").write_text('"""Some other nn."""\n')
    for path in [(ROOT, other), (other, ROOT)]:
        result = run("import autograd, nn; nn.Module", *path, cwd=tmp_path)
        if path[0] == other:  # theirs first: `import nn` runs their __init__, nothing of ours runs
            assert result.returncode != 0 and "has no attribute 'Module'" in result.stderr
            continue
        assert_names_both_and_the_fix(result, "nn")


def test_another_copy_of_npgrad_and_the_escape_hatch_are_accepted(tmp_path):
    copy = tmp_path / "copy"
    for name in ("autograd", "nn"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    result = run("import autograd, nn; print(nn.MLP)", ROOT, copy, cwd=tmp_path)  # a checkout and an install
    assert result.returncode == 0, result.stderr
    hips = make_hips(tmp_path / "hips")
    allowed = run(
        "import autograd; print(autograd.Tensor)", ROOT, hips, cwd=tmp_path, env={"NPGRAD_ALLOW_SHADOWING": "1"}
    )
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv(tmp_path):
    """`pip install .` of a copy of this tree: --no-deps, with the running interpreter's site-packages
    (numpy, pip, setuptools) visible through a .pth file; offline (--no-build-isolation) when this
    setuptools can build wheels, else pip fetches the build backend (skipped if it cannot)."""
    pytest.importorskip("setuptools")
    pytest.importorskip("pip")
    source = tmp_path / "src"
    for name in ("autograd", "nn"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "setup.cfg"):
        shutil.copy(ROOT / name, source / name)
    env_dir = tmp_path / "venv"
    try:
        venv.create(env_dir, with_pip=False)
    except (subprocess.CalledProcessError, OSError) as error:
        pytest.skip(f"cannot make a venv here: {error}")
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    parent_site = [p for p in sys.path if p.endswith("site-packages")]
    Path(purelib, "_parent_site.pth").write_text("\n".join(parent_site) + "\n")
    command = [python, "-m", "pip", "install", "--no-deps", "-q", str(source)]
    if _can_build_wheels_here():  # offline, with this interpreter's setuptools
        command.insert(4, "--no-build-isolation")
    # else an old setuptools without `wheel` (a fresh venv's): pip fetches the build backend from PyPI
    install = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    if install.returncode != 0 and any(word in install.stderr for word in ("No matching distribution", "connection")):
        pytest.skip(f"pip cannot build npgrad here (offline?): {install.stderr[-300:]}")
    assert install.returncode == 0, install.stderr
    check = (
        "import autograd, nn, pathlib, importlib.util; "
        "print(autograd.__version__, nn.__version__); "
        "print(pathlib.Path(autograd.__file__).parent.joinpath('py.typed').is_file(), "
        "pathlib.Path(nn.__file__).parent.joinpath('py.typed').is_file()); "
        "print(autograd.__file__); print(importlib.util.find_spec('examples'))"
    )
    result = subprocess.run([python, "-c", check], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    versions, typed, location, examples = result.stdout.strip().splitlines()
    assert versions == f"{VERSION} {VERSION}"
    assert typed == "True True"
    assert location.startswith(str(env_dir)), location
    assert examples == "None"  # the wheel holds autograd and nn only: the examples run from the repository root


def _can_build_wheels_here() -> bool:
    """Can this interpreter's setuptools build a wheel without fetching anything (setuptools >= 70.1
    has bdist_wheel built in; older ones need the `wheel` package)?"""
    import importlib.util

    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None

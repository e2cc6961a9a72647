"""Is the `autograd` (or `nn`) being imported really npgrad's? And npgrad's version.

Both import names are taken on PyPI too: HIPS autograd installs a package `autograd`, and a
distribution called `nn` installs `nn`. Installed into one environment, two distributions
with the same package either mix their files in one folder (pip does not refuse), or one hides
the other on `sys.path`; either way imports fail later with baffling errors. This check runs at
import and costs a few `stat` calls; `importlib.metadata` is loaded only to name the culprits.
"""

from __future__ import annotations

import os
import sys

DISTRIBUTION = "npgrad"
SKIP_VARIABLE = "NPGRAD_ALLOW_SHADOWING"  # set to 1 to skip the check
# Modules of HIPS autograd that npgrad's `autograd` does not have.
FOREIGN_FILES = {"autograd": ("tracer.py", "differential_operators.py", "wrap_util.py"), "nn": ()}
KNOWN_OTHERS = {"autograd": "autograd (HIPS autograd)", "nn": "nn"}


def check_package(name: str, package_dir: str) -> None:
    """Raise ImportError when another distribution's `name` package is mixed into ours (in
    `package_dir`) or sits in another folder on `sys.path`, hidden by ours or hiding it."""
    if os.environ.get(SKIP_VARIABLE):
        return
    for foreign in FOREIGN_FILES[name]:
        if os.path.exists(os.path.join(package_dir, foreign)):
            raise ImportError(
                _message(name, f"its files are mixed with npgrad's in one folder, {package_dir}")
            )
    ours = os.path.realpath(package_dir)
    for entry in sys.path:
        candidate = os.path.join(entry or os.curdir, name)
        if not os.path.isfile(os.path.join(candidate, "__init__.py")) or os.path.realpath(candidate) == ours:
            continue
        if not is_npgrad_package(candidate):
            raise ImportError(_message(name, f"npgrad's is at {package_dir}, the other one at {candidate}"))


def is_npgrad_package(package_dir: str) -> bool:
    """Is the package in `package_dir` npgrad's (another copy, e.g. installed and in a checkout)?"""
    name = os.path.basename(os.path.normpath(package_dir))
    if any(os.path.exists(os.path.join(package_dir, foreign)) for foreign in FOREIGN_FILES.get(name, ())):
        return False
    try:
        with open(os.path.join(package_dir, "__init__.py"), encoding="utf-8", errors="replace") as file:
            return "npgrad" in file.read(400)  # both packages' docstrings name npgrad in their first line
    except OSError:
        return False


def foreign_package_error(name: str, module: object) -> ImportError:
    """The error for a `name` module that is not npgrad's (it hid ours)."""
    where = os.path.dirname(getattr(module, "__file__", None) or "?")
    return ImportError(_message(name, f"`import {name}` found the other one, at {where}"))


def _message(name: str, situation: str) -> str:
    others = [d for d in _distributions_of(name) if d.lower() != DISTRIBUTION] or [KNOWN_OTHERS[name]]
    return (
        f"two distributions install a package named `{name}`: npgrad and {', '.join(others)}; {situation}. "
        "npgrad needs its own `autograd` and `nn`. Fix: use a separate virtual environment for each, or in "
        "this one "
        f"`pip uninstall {' '.join(o.split()[0] for o in others)} npgrad`, then reinstall npgrad (`pip "
        "install -e .` "
        "in its repository): uninstalling one of two mixed packages deletes files of the other. "
        f"Set {SKIP_VARIABLE}=1 to skip this check."
    )


def _distributions_of(name: str) -> list[str]:
    """The installed distributions that provide the top-level package `name` (only on the error path)."""
    try:
        from importlib.metadata import packages_distributions

        return sorted(set(packages_distributions().get(name, [])))
    except Exception:  # metadata is a nicety here; never hide the real error behind another
        return []


def version() -> str:
    """npgrad's version from the installed distribution's metadata; "0+unknown" when running
    from a source checkout that is not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"

"""Is the `autograd` that `nn` is built on npgrad's, and is this `nn` not hidden by (or hiding)
another distribution's? Checked when this module is imported, first thing in `nn/__init__.py`;
see `autograd.install_check`."""

from __future__ import annotations

import os

import autograd


def check_install(nn_dir: str) -> None:
    """Raise ImportError naming both distributions and the fix when a package name is shared."""
    if getattr(autograd, "__distribution__", None) != "npgrad" and not os.environ.get(
        "NPGRAD_ALLOW_SHADOWING"
    ):
        where = os.path.dirname(getattr(autograd, "__file__", None) or "?")
        raise ImportError(
            "`import autograd` found another distribution's `autograd` (HIPS autograd, PyPI name "
            "`autograd`), at "
            f"{where}, not npgrad's: both distributions install a package named `autograd`, and npgrad's "
            "`nn` "
            "needs npgrad's. Fix: use a separate virtual environment for each, or in this one "
            "`pip uninstall autograd npgrad`, then reinstall npgrad (`pip install -e .` in its repository): "
            "uninstalling one of two mixed packages deletes files of the other. "
            "Set NPGRAD_ALLOW_SHADOWING=1 to skip this check."
        )
    from autograd.install_check import check_package

    check_package("nn", nn_dir)


check_install(os.path.dirname(os.path.abspath(__file__)))

"""`python -m examples.transforms`: every check passes and the figure is written (and nothing else);
a planted wrong derivative makes it exit with 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from autograd import func
from examples import transforms


def test_runs_writes_the_figure_and_passes_its_checks(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert transforms.main(["--out", str(tmp_path / "out")]) == 0
    output = capsys.readouterr().out
    assert "all checks passed" in output and "reached [1. 1.]" in output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["tanh_derivatives.png"]  # no temporary left
    image = imread(tmp_path / "out" / "tanh_derivatives.png")
    assert image.shape[0] > 300 and image.shape[1] > 600


def test_a_wrong_sixth_derivative_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    right = transforms.tanh_derivatives
    monkeypatch.setattr(transforms, "tanh_derivatives", lambda x: [*right(x)[:-1], right(x)[-1] * (1 + 1e-4)])
    assert transforms.main(["--out", str(tmp_path)]) == 1


def test_a_wrong_hessian_vector_product_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    right = func.hvp

    def hvp_missing_a_factor(fn, primals, tangents):  # type: ignore[no-untyped-def]
        value, (hv,) = right(fn, primals, tangents)
        return value, ({name: 0.5 * h for name, h in hv.items()},)

    monkeypatch.setattr(func, "hvp", hvp_missing_a_factor)
    assert transforms.main(["--out", str(tmp_path)]) == 1


def test_a_jacobian_with_its_rows_swapped_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    right = func.jacobian

    def jacobian_rows_reversed(fn, argnums=0):  # type: ignore[no-untyped-def]
        jac = right(fn, argnums)
        return lambda *args: type(jac(*args))(np.flip(jac(*args).numpy(), axis=0).copy())

    monkeypatch.setattr(func, "jacobian", jacobian_rows_reversed)
    monkeypatch.setattr(func, "hessian", lambda fn: right(right(fn)))  # Newton's method stays right
    assert transforms.main(["--out", str(tmp_path)]) == 1

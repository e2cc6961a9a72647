"""ag.viz.save_graph's errors name the file the user asked for, never the hidden temporary file."""

from __future__ import annotations

import shutil

import pytest

import autograd as ag


def _loss() -> ag.Tensor:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    return (x * x).sum()


@pytest.mark.parametrize("name", ["x.dot", pytest.param("x.png", id="png")])
def test_saving_into_a_missing_folder_names_the_target(tmp_path, name):
    """Issue 11 item 21."""
    if name.endswith(".png") and shutil.which("dot") is None:
        pytest.skip("rendering a .png needs the Graphviz dot program")
    target = tmp_path / "missing_dir" / name
    with pytest.raises(FileNotFoundError) as info:
        ag.viz.save_graph(_loss(), target)
    message = str(info.value)
    assert "save_graph" in message and repr(str(target)) in message
    assert ".tmp" not in message and f".{name}." not in message
    assert info.value.filename == str(target)
    assert not (tmp_path / "missing_dir").exists()

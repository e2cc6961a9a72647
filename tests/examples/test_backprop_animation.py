"""examples/backprop_animation.py: the GIF has a frame per backward node plus one, and the two
training settings show what their titles say (vanishing: the first layer gets far less; exploding:
the gradients grow)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import viz
from examples import backprop_animation


@pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz 'dot' program is not installed")
def test_main_writes_the_gif_and_the_figure(tmp_path):
    from PIL import Image

    backprop_animation.main(["--out", str(tmp_path)])
    X, y = nn.datasets.generate_xor_easy()
    ag.manual_seed(0)
    model = nn.MLP(backprop_animation.SIZES)
    nodes = len(viz.trace_backward(nn.MSELoss()(model(ag.Tensor(X)), ag.Tensor(y))))
    with Image.open(tmp_path / "backprop.gif") as gif:
        assert gif.n_frames == nodes + 1
    assert (tmp_path / "gradient_flow.png").read_bytes()[:4] == b"\x89PNG"


def test_the_settings_show_vanishing_and_exploding_gradients():
    (_, *vanishing), (_, *exploding) = backprop_animation.SETTINGS
    monitor = backprop_animation.monitored_run(*vanishing)
    first, last = (np.mean(monitor.stats[f"layers.{k}.weight"]["grad_mean"]) for k in (0, 4))
    assert last / first > 20
    grows = backprop_animation.monitored_run(*exploding).stats["layers.0.weight"]["grad_mean"]
    assert grows[-1] > 1e6 * grows[0] and np.isfinite(grows[-1])

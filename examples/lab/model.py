"""The lab's network and how its weights are drawn.

`nn.Linear` keeps PyTorch's default initialisation (Kaiming-uniform); the lab re-draws its own
model's weights the way the lab reports do: standard normal (or uniform on [0, 1)) weights and
zero biases.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import nn

INITS = ("normal", "uniform", "kaiming")
INIT_STREAM = 1  # the weights' random stream: np.random.default_rng((seed, INIT_STREAM)), apart from the data's
INIT_WORDS = {
    "normal": "weights N(0, 1), biases 0",
    "uniform": "weights U[0, 1), biases 0",
    "kaiming": "PyTorch's default (Kaiming-uniform weights, biases U(±1/√fan_in))",
}


def make_model(
    hidden: Sequence[int],
    activation: str,
    seed: int,
    output_activation: str = "sigmoid",
    bias: bool = True,
    init: str = "normal",
) -> nn.MLP:
    """`nn.MLP([2, *hidden, 1])` whose initial weights are fixed by `seed` and drawn as `init` says."""
    if init not in INITS:
        raise ValueError(f"make_model: init must be one of {', '.join(INITS)}, got {init!r}")
    nn.manual_seed(seed)
    model = nn.MLP(
        [2, *hidden, 1],
        activation=None if activation == "none" else activation,
        output_activation=None if output_activation == "none" else output_activation,
        bias=bias,
    )
    if init != "kaiming":
        rng = np.random.default_rng((seed, INIT_STREAM))
        for name, parameter in model.named_parameters():
            if name.endswith(".bias"):
                nn.init.zeros_(parameter)
            elif init == "normal":
                nn.init.normal_(parameter, 0.0, 1.0, rng=rng)
            else:
                nn.init.uniform_(parameter, 0.0, 1.0, rng=rng)
    return model

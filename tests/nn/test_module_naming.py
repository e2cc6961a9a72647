"""Parameter names are given lazily: building a model is linear in its size, and a name is
right whenever it is read (nn/module.py)."""

from __future__ import annotations

import copy

import nn
from nn.module import Module


def _build_counting_visits(monkeypatch, pairs: int) -> tuple[nn.Sequential, list[int]]:
    """nn.Sequential of `pairs` Linear+Tanh pairs, and the number of modules that tree walks
    (`named_modules`, which naming uses) visited while building it."""
    visits = [0]
    walk = Module.named_modules

    def counting_walk(self, prefix=""):
        for item in walk(self, prefix):
            visits[0] += 1
            yield item

    monkeypatch.setattr(Module, "named_modules", counting_walk)
    layers = []
    for _ in range(pairs):
        layers += [nn.Linear(2, 2), nn.Tanh()]
    return nn.Sequential(*layers), visits


def test_building_a_deep_sequential_walks_no_tree(monkeypatch):
    model, visits = _build_counting_visits(monkeypatch, 300)
    assert visits[0] == 0, f"building 600 modules walked {visits[0]} modules (was O(n²): a rename per assignment)"
    assert model[598].weight.name == "598.weight"  # the first read names each changed tree, once
    assert visits[0] == 300 + 601  # each Linear (queued by its own __init__), then the Sequential
    assert model[0].bias.name == "0.bias" and [p.name for p in model.parameters()][-1] == "598.bias"
    assert visits[0] == 901 + 601  # parameters() walks the tree; the names were not recomputed


def test_names_follow_later_assignments_and_copies():
    inner = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    assert inner[0].weight.name == "0.weight"
    outer = nn.Sequential(nn.Linear(3, 3))
    outer.add_module("body", inner)  # the inner tree's names change when it is attached
    assert inner[0].weight.name == "body.0.weight"
    inner[0].weight = nn.Parameter(inner[0].weight.data.copy())
    assert outer.body[0].weight.name == "body.0.weight"
    clone = copy.deepcopy(outer)
    clone.add_module("extra", nn.Linear(3, 1))
    assert clone.extra.weight.name == "extra.weight" and clone.body[0].bias.name == "body.0.bias"
    named = nn.Parameter(inner[0].bias.data.copy(), name="mine")
    inner[0].bias = named
    assert named.name == "mine"

"""Fixtures for the nn tests. The gradient checks live in tests/nn/grad_checks.py and are imported
by their full name: `from conftest import ...` picks whichever conftest pytest loaded last, and
failed when tests of tests/autograd and tests/nn were named together (mutmut does)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)

"""Rounds of a full benchmark run: samples pooled per case, ratios taken within each round."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.measure import summarize
from benchmarks.report import _ratio, _summary
from benchmarks.runner import pool_samples


def timing(*samples: float) -> dict[str, Any]:
    return {"time_per_step": summarize(list(samples)), "peak_memory": 100, "check": [1.0]}


def test_rounds_pool_samples_and_keep_each_rounds_median() -> None:
    cases: dict[str, Any] = {}
    pool_samples(cases, "W1/raw", timing(1.0, 2.0, 3.0))
    later = timing(10.0, 20.0, 30.0)
    later["peak_memory"] = 999
    pool_samples(cases, "W1/raw", later)
    pooled = cases["W1/raw"]["time_per_step"]
    assert pooled["samples"] == [1.0, 2.0, 3.0, 10.0, 20.0, 30.0]
    assert (pooled["min"], pooled["max"], pooled["median"]) == (1.0, 30.0, 6.5)
    assert pooled["round_medians"] == [2.0, 20.0]
    assert cases["W1/raw"]["peak_memory"] == 100  # memory is the first (fresh) process's


def test_a_failed_first_round_is_replaced() -> None:
    cases: dict[str, Any] = {"W1/raw": {"error": "boom"}}
    pool_samples(cases, "W1/raw", timing(4.0))
    assert cases["W1/raw"]["time_per_step"]["round_medians"] == [4.0]


def test_ratio_is_taken_within_rounds() -> None:
    """The machine was 10x slower in round 2, for both engines, and in round 3 for ours alone: pooled
    medians would say 20x, but ours took 2x NumPy's time in two rounds of three."""
    ours: dict[str, Any] = {}
    numpy: dict[str, Any] = {}
    for ours_time, numpy_time in ((2.0, 1.0), (20.0, 10.0), (20.0, 1.0)):
        pool_samples(ours, "W1/raw", timing(ours_time))
        pool_samples(numpy, "W1/raw", timing(numpy_time))
    values = {name: _summary(cases["W1/raw"], "time_per_step") for name, cases in (("ours", ours), ("numpy", numpy))}
    assert values["ours"]["median"] / values["numpy"]["median"] == pytest.approx(20.0)
    assert _ratio(values, "numpy") == pytest.approx(2.0)


def test_ratio_of_medians_without_rounds() -> None:
    values = {"ours": {"median": 3.0, "min": 3.0, "max": 3.0}, "numpy": {"median": 2.0, "min": 2.0, "max": 2.0}}
    assert _ratio(values, "numpy") == pytest.approx(1.5)

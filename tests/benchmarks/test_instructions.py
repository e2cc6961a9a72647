"""`python -m benchmarks.instructions`: instruction counts under valgrind."""

from __future__ import annotations

import importlib
import shutil
from typing import Any

import numpy as np
import pytest

from benchmarks import instructions
from benchmarks.worker import ENGINE_MODULES


def test_unknown_or_uncountable_cases_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        instructions.main(["--cases", "W3/raw,W5/raw,W9/raw"])
    assert exit_info.value.code == 2
    assert "W5/raw, W9/raw not countable" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "measured"),
    [
        ("W2/raw", "RawTrainer.step"),
        ("W2/nn", "NNTrainer.step"),
        ("W4/raw", "TanhChain.backward"),
        ("W3-f32/compiled", "CompiledTrainer.step"),
    ],
)
def test_the_measured_process_runs_each_case(key: str, measured: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--run ours CASE 3` runs the case's step 2 (warm-up) + 3 times, each giving finite numbers."""
    engine = importlib.import_module(ENGINE_MODULES["ours"])
    cls_name, method_name = measured.split(".")
    cls = getattr(engine, cls_name)
    original = getattr(cls, method_name)
    results: list[np.ndarray] = []

    def counted(self: Any, *args: Any) -> Any:
        result = original(self, *args)
        results.append(np.asarray(result))
        return result

    monkeypatch.setattr(cls, method_name, counted)
    assert instructions.main(["--run", "ours", key, "3"]) == 0
    assert len(results) == 2 + 3
    assert all(np.all(np.isfinite(r)) and r.size for r in results)


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs the valgrind program")
def test_counts_are_per_step_and_repeatable() -> None:
    """Two counts of the same process agree closely (start-up included); a step of hand-written
    NumPy on the 21-point XOR net is some hundreds of thousands of instructions."""
    first, second = instructions.count("numpy", "W2/raw", 2), instructions.count("numpy", "W2/raw", 2)
    assert abs(first - second) / first < 1e-3
    assert 1e5 < instructions.per_step("numpy", "W2/raw") < 2e6

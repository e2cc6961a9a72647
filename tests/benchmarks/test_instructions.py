"""`python -m benchmarks.instructions`: instruction counts under valgrind."""

from __future__ import annotations

import shutil

import pytest

from benchmarks import instructions


def test_unknown_or_uncountable_cases_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        instructions.main(["--cases", "W3/raw,W9/raw"])
    assert exit_info.value.code == 2
    assert "W3/raw, W9/raw not countable" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["W2/raw", "W2/nn", "W4/raw"])
def test_the_measured_process_runs_each_case(key: str) -> None:
    instructions.main(["--run", "ours", key, "1"])


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs the valgrind program")
def test_counts_are_per_step_and_repeatable() -> None:
    """Two counts of the same process agree closely (start-up included); a step of hand-written
    NumPy on the 21-point XOR net is some hundreds of thousands of instructions."""
    first, second = instructions.count("numpy", "W2/raw", 2), instructions.count("numpy", "W2/raw", 2)
    assert abs(first - second) / first < 1e-3
    assert 1e5 < instructions.per_step("numpy", "W2/raw") < 2e6

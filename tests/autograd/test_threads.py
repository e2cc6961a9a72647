"""Issue 11 item 3: grad mode and anomaly mode are per thread, as in PyTorch."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------- item 3


def _in_thread(fn):
    """Run `fn` in a new thread; return its result or raise its exception."""
    result = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result["value"]


def _anomaly_on():
    """Is anomaly detection on in this thread? (an op that makes NaN raises only then)"""
    try:
        with np.errstate(invalid="ignore"):
            ag.log(Tensor([-1.0], requires_grad=True))
    except FloatingPointError:
        return True
    return False


def test_item03_a_new_thread_starts_with_grad_enabled_and_anomaly_off():
    x = Tensor([1.0], requires_grad=True)
    with ag.no_grad(), ag.detect_anomaly():
        enabled, anomaly, recorded = _in_thread(lambda: (ag.is_grad_enabled(), _anomaly_on(), (x * 2).requires_grad))
        assert not ag.is_grad_enabled() and _anomaly_on()
    assert enabled and not anomaly and recorded


def test_item03_no_grad_in_one_thread_does_not_stop_another_from_recording():
    x = Tensor([1.0], requires_grad=True)
    inside, done = threading.Event(), threading.Event()

    def other():
        with ag.no_grad():
            inside.set()
            done.wait(timeout=60)
            return (x * 2).requires_grad

    thread_result = {}
    thread = threading.Thread(target=lambda: thread_result.setdefault("recorded", other()))
    thread.start()
    assert inside.wait(timeout=60)
    recorded_here = (x * 2).requires_grad  # while the other thread is inside no_grad
    done.set()
    thread.join(timeout=60)
    assert recorded_here and ag.is_grad_enabled()
    assert thread_result["recorded"] is False


def test_item03_overlapping_no_grad_blocks_in_two_threads_restore_both():
    """T1 enters, T2 enters, T1 leaves, T2 leaves: the order that left grad mode off for good.
    One shared instance too, as a module-level `no_grad()` would be."""
    shared = ag.no_grad()
    steps = [threading.Event() for _ in range(4)]
    seen = {}

    def first():
        with shared:
            steps[0].set()
            steps[1].wait(timeout=60)
        seen["first after"] = ag.is_grad_enabled()
        steps[2].set()

    def second():
        steps[0].wait(timeout=60)
        with shared:
            steps[1].set()
            steps[2].wait(timeout=60)
            seen["second inside"] = ag.is_grad_enabled()
        seen["second after"] = ag.is_grad_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert seen == {"first after": True, "second inside": False, "second after": True}
    assert ag.is_grad_enabled()


def test_item03_a_backward_in_another_thread_does_not_switch_recording_off_here():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    started, release = threading.Event(), threading.Event()

    def hook(grad):
        started.set()
        release.wait(timeout=60)  # backward (which records nothing) is running in this thread

    y.register_hook(hook)
    thread = threading.Thread(target=lambda: y.sum().backward())
    thread.start()
    assert started.wait(timeout=60)
    recorded = (x * 3).requires_grad
    release.set()
    thread.join(timeout=60)
    assert recorded
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])


def test_item03_mode_switches_are_reentrant_and_restore_after_exceptions():
    switch = ag.no_grad()
    with switch:
        with ag.enable_grad():
            with switch:
                assert not ag.is_grad_enabled()
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    with pytest.raises(KeyError), ag.detect_anomaly():
        raise KeyError
    assert ag.is_grad_enabled() and not _anomaly_on()


def test_item03_the_open_block_count_returns_to_zero():
    """The hot path trusts `open_blocks` being empty to mean "every thread is in the default mode"."""
    from autograd.grad_mode import open_blocks

    assert len(open_blocks) == 0
    x = Tensor([1.0], requires_grad=True)
    with ag.no_grad():
        assert len(open_blocks) == 1
        _in_thread(lambda: (x * 2).sum().backward())
    assert len(open_blocks) == 0
    with pytest.raises(ZeroDivisionError), ag.detect_anomaly():
        _in_thread(lambda: 1 / 0)
    assert len(open_blocks) == 0
    with pytest.raises(RuntimeError, match="exited more often than entered"):
        ag.no_grad().__exit__(None, None, None)
    assert len(open_blocks) == 0

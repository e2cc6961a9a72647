"""The markdown table: one row per workload/form and metric, ours beside NumPy and PyTorch, the
ratios, the issue's target and whether it is met."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.workloads import LOSS_RTOL, LOSS_RTOL_FLOAT32, LOSS_STEPS


@dataclass
class Row:
    """One line of the table. `values` are per engine {median, min, max} (or a single number)."""

    label: str
    metric: str
    unit: float  # the metric's value in SI is divided by this for display (1e-6 for µs)
    values: dict[str, dict[str, float] | None]
    target: str
    met: bool | None
    check: str
    show_ratios: bool = True  # False where the values are about zero (memory left after backward/drop)


def _summary(case: dict | None, field: str) -> dict[str, float] | None:
    if not case or field not in case:
        return None
    value = case[field]
    if isinstance(value, dict):
        return {key: value[key] for key in ("median", "min", "max", "round_medians") if key in value}
    return {"median": value, "min": value, "max": value}


def _ratio(values: dict[str, Any], other: str) -> float | None:
    """ours / other: the median over rounds of the ratio within each round (the engines ran a case
    seconds apart there, so a slow spell of the machine cancels out), else the ratio of medians."""
    ours, theirs = values.get("ours"), values.get(other)
    if not ours or not theirs or theirs["median"] <= 0:
        return None
    rounds_ours, rounds_theirs = ours.get("round_medians", []), theirs.get("round_medians", [])
    if len(rounds_ours) > 1 and len(rounds_ours) == len(rounds_theirs):
        return float(np.median([a / b for a, b in zip(rounds_ours, rounds_theirs)]))
    return ours["median"] / theirs["median"]


def _check_cell(cases: dict[str, dict | None]) -> str:
    """Same first losses (and grad dtypes) as hand-written NumPy? "ok" with the worst relative error,
    or the engines that disagree."""
    bad = [name for name, case in cases.items() if case and case.get("check_ok") is False]
    errors = [case["check_error"] for case in cases.values() if case and "check_error" in case]
    if bad:
        return "**MISMATCH: " + ", ".join(bad) + "**"
    return f"ok (≤ {max(errors):.0e})" if errors else "–"


def build_rows(engines: dict[str, Any]) -> list[Row]:
    def case(engine: str, key: str) -> dict | None:
        found = engines.get(engine, {}).get("cases", {}).get(key)
        return found if found and "error" not in found and "skipped" not in found else None

    def row(label: str, metric: str, unit: float, keys: dict[str, str], field: str, target: str, rule: Callable) -> Row:
        cases = {engine: case(engine, key) for engine, key in keys.items()}
        values = {engine: _summary(c, field) for engine, c in cases.items()}
        met = rule(values) if values.get("ours") else None
        return Row(label, metric, unit, values, target, met, _check_cell(cases))

    def within(limit: float) -> Callable:
        return lambda values: None if _ratio(values, "numpy") is None else _ratio(values, "numpy") <= limit

    rows = []
    for workload, forms in (("W1", (("raw", 2.0), ("nn", 2.5))), ("W2", (("raw", 2.0), ("nn", 2.5)))):
        for form, limit in forms:
            keys = {"ours": f"{workload}/{form}", "numpy": f"{workload}/raw", "torch": f"{workload}/{form}"}
            rows.append(
                row(f"{workload} {form}", "µs/step", 1e-6, keys, "time_per_step", f"≤ {limit}× NumPy", within(limit))
            )
    for dtype, suffix in (("float64", ""), ("float32", "-f32")):
        for form in ("raw", "nn"):
            keys = {"ours": f"W3{suffix}/{form}", "numpy": f"W3{suffix}/raw", "torch": f"W3{suffix}/{form}"}
            label = f"W3 {dtype} {form}"
            rows.append(row(label, "ms/step", 1e-3, keys, "time_per_step", "≤ 1.10× NumPy", within(1.10)))
            rows.append(row(label, "peak MB †", 1e6, keys, "peak_memory", "≤ 1.3× NumPy", within(1.3)))
    keys = {"ours": "W4/raw", "numpy": "W4/raw", "torch": "W4/raw"}
    rows.append(row("W4 raw", "µs/op forward", 1e-6, keys, "forward_per_op", "–", lambda v: None))
    rows.append(row("W4 raw", "µs/op backward", 1e-6, keys, "backward_per_op", "–", lambda v: None))

    def w4_rule(values: dict) -> bool | None:
        ratio_numpy, ratio_torch = _ratio(values, "numpy"), _ratio(values, "torch")
        met = ratio_numpy is None or ratio_numpy <= 2.7
        return met and (ratio_torch is None or ratio_torch < 1.0)

    rows.append(row("W4 raw", "µs/op fwd+bwd", 1e-6, keys, "total_per_op", "≤ 2.7× NumPy, < PyTorch", w4_rule))
    rows += compiled_rows(case, row, within)
    rows += w5_rows(engines, case, row)
    return rows


def compiled_rows(case: Callable, row: Callable, within: Callable) -> list[Row]:
    """ag.compile (issue 13): W1/W2 and W3 at most 1.0x hand-written NumPy, W3 with less peak memory than
    the eager nn form, the W4 chain at most 1.3x NumPy per op."""
    rows = []
    for workload in ("W1", "W2"):
        keys = {"ours": f"{workload}/compiled", "numpy": f"{workload}/raw"}
        rows.append(row(f"{workload} compiled", "µs/step", 1e-6, keys, "time_per_step", "≤ 1.0× NumPy", within(1.0)))
    for dtype, suffix in (("float64", ""), ("float32", "-f32")):
        keys = {"ours": f"W3{suffix}/compiled", "numpy": f"W3{suffix}/raw"}
        label = f"W3 {dtype} compiled"
        rows.append(row(label, "ms/step", 1e-3, keys, "time_per_step", "≤ 1.0× NumPy", within(1.0)))
        eager = case("ours", f"W3{suffix}/nn")
        eager_peak = eager["peak_memory"] if eager else None

        def below_eager(values: dict, eager_peak: float | None = eager_peak) -> bool | None:
            return None if eager_peak is None else values["ours"]["median"] < eager_peak

        target = "< eager nn" + (f" ({eager_peak / 1e6:.2f})" if eager_peak else "")
        rows.append(row(label, "peak MB †", 1e6, keys, "peak_memory", target, below_eager))
    keys = {"ours": "W4/compiled", "numpy": "W4/raw"}
    rows.append(row("W4 compiled", "µs/op fwd+bwd", 1e-6, keys, "total_per_op", "≤ 1.3× NumPy", within(1.3)))
    return rows


def w5_rows(engines: dict[str, Any], case: Callable, row: Callable) -> list[Row]:
    keys = {"ours": "W5/raw", "numpy": "W5/raw", "torch": "W5/raw"}
    ours = engines.get("ours", {}).get("cases", {}).get("W5/raw", {})
    finished = "error" not in ours and "skipped" not in ours and bool(ours)
    w4 = case("ours", "W4/raw")
    w4_backward = w4["backward_per_op"]["median"] if w4 else None
    w5_cases = [result.get("cases", {}).get("W5/raw", {}) for result in engines.values()]
    ops = next((c["ops"] for c in w5_cases if "ops" in c), 0)
    label = f"W5 raw ({ops // 3:,} links)" if ops else "W5 raw"
    rows = [
        row(label, "µs/op forward", 1e-6, keys, "forward_per_op", "finishes, no RecursionError", lambda v: finished),
        row(
            label,
            "µs/op backward",
            1e-6,
            keys,
            "backward_per_op",
            "≤ W4's backward µs/op" + (f" ({w4_backward * 1e6:.2f})" if w4_backward else ""),
            lambda v: None if w4 is None else _ratio({"ours": v["ours"], "w4": w4["backward_per_op"]}, "w4") <= 1.0,
        ),
        row(label, "graph MB †", 1e6, keys, "graph_memory", "–", lambda v: None),
        row(label, "peak MB †", 1e6, keys, "peak_memory", "–", lambda v: None),
        row(label, "MB after backward †", 1e6, keys, "memory_after_backward", "saved arrays freed", lambda v: None),
    ]
    rows[-1].show_ratios = False
    graph = ours.get("graph_memory") if finished else None
    rows.append(
        row(
            label,
            "MB left after drop †",
            1e6,
            keys,
            "memory_after_drop",
            "≈ 0 (≤ 1% of the graph)",
            lambda v: None if not graph else v["ours"]["median"] <= 0.01 * graph,
        )
    )
    rows[-1].show_ratios = False
    return rows


# ------------------------------------------------------------------ markdown
def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(summary: dict[str, float] | None, unit: float, why: str = "") -> str:
    if summary is None:
        return why or "–"
    median, low, high = (summary[k] / unit for k in ("median", "min", "max"))
    if low == high:
        return _number(median)
    return f"{_number(median)} ({_number(low)}–{_number(high)})"


def _why_missing(engines: dict[str, Any], engine: str, key_hint: str) -> str:
    result = engines.get(engine)
    if result is None:
        return "not run"
    if "unavailable" in result:
        return "not installed"
    if "error" in result:
        return "failed"
    case = result.get("cases", {}).get(key_hint, {})
    if "error" in case:
        return "error ‡"
    if "skipped" in case:
        return "skipped ‡"
    return "–"


def _ratio_cell(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}×"


def render(suite: dict[str, Any]) -> str:
    """The whole results page: header (machine, command), the table, the notes."""
    engines = suite["engines"]
    machine = suite["machine"]
    torch_info = engines.get("torch", {}).get("info", {})
    lines = [
        "# npgrad benchmarks",
        "",
        f"Command: `{suite['command']}`"
        + (" (quick mode: short runs, a smoke test, not a measurement)" if suite["quick"] else ""),
        "",
        f"- Date: {machine['date']}; machine: {machine['cpu']}, {machine['cores']} cores, {machine['platform']}",
        f"- Python {machine['python']}, NumPy {machine['numpy']}, PyTorch {torch_info.get('torch', 'not run')}",
        f"- Threads: PyTorch intra-op threads {torch_info.get('torch_threads', '–')} (its default); BLAS/OpenMP "
        + ", ".join(f"{k}={v}" for k, v in machine["thread_settings"].items())
        + " (set for every engine's process)",
        f"- Wall time of the run: {suite.get('wall_seconds', 0):.0f} s. Load average (1, 5, 15 min) at start "
        f"{_load(machine['load_average_start'])}, at end {_load(machine.get('load_average_end'))}. "
        "The machine is shared with other jobs: timings are noisy, "
        "compare ratios within one run.",
        "- Each engine runs in its own process"
        + (
            " (--quick: one per engine)"
            if suite["quick"]
            else " (one per engine and case; the engines take turns case by case, in rounds whose samples are "
            "pooled, so that a slow spell of the machine falls on all of them alike; a ratio is the median over "
            "the rounds of the ratio within each round)"
        )
        + " on the same seeded data and initial weights. Hand-written NumPy has one form, the denominator "
        "of both forms' ratios. Timings are the median "
        "(min–max) over repeated blocks of steps, Python's garbage collector on as users run it, after a warm-up of "
        f"{LOSS_STEPS} steps. `check`: the first {LOSS_STEPS} losses (W4/W5: output and gradient entries) agree with "
        f"hand-written NumPy to {LOSS_RTOL:g} relative ({LOSS_RTOL_FLOAT32:g} in float32, where PyTorch's GEMM "
        "rounds differently from NumPy's BLAS), and every parameter's grad has the parameter's dtype; the column "
        "shows the worst relative error over the engines.",
        "- † Memory: increase over the start of a training step (W3: step 1, grads included) or of building the "
        "graph (W5), measured with `tracemalloc` for ours and NumPy, and as the peak resident-set increase "
        "(VmHWM) for PyTorch, whose allocations tracemalloc cannot see; so ours/PyTorch memory ratios compare "
        "different measures.",
        "",
        "| workload / form | metric | ours | NumPy | PyTorch | ours/NumPy | ours/PyTorch | target | met | check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in build_rows(engines):
        key = _key_hint(row.label)
        cells = [_cell(row.values.get(e), row.unit, _why_missing(engines, e, key)) for e in ("ours", "numpy", "torch")]
        met = "–" if row.met is None else ("met" if row.met else "**missed**")
        ratios = [_ratio_cell(_ratio(row.values, other) if row.show_ratios else None) for other in ("numpy", "torch")]
        lines.append(
            f"| {row.label} | {row.metric} | {' | '.join(cells)} | {' | '.join(ratios)} | {row.target} | {met} | "
            f"{row.check} |"
        )
    lines += ["", *_notes(suite)]
    return "\n".join(lines) + "\n"


def _load(load: Any) -> str:
    return "–" if not load else "/".join(f"{value:.2f}" for value in load)


def _key_hint(label: str) -> str:
    parts = label.split()
    if parts[0] == "W3":
        return f"W3{'-f32' if parts[1] == 'float32' else ''}/{parts[2]}"
    return f"{parts[0]}/{parts[1]}"


def _notes(suite: dict[str, Any]) -> list[str]:
    notes = []
    for name, result in suite["engines"].items():
        if "unavailable" in result:
            notes.append(f"- {name}: {result['unavailable']}")
        if "error" in result:
            notes.append(f"- {name}: the engine's process failed: {result['error']}")
        for key, case in result.get("cases", {}).items():
            if "skipped" in case and name != "numpy":  # NumPy's one form is the header's business
                notes.append(f"- ‡ {name} {key} skipped: {case['skipped']}")
            if "error" in case:
                notes.append(f"- ‡ {name} {key} failed: {case['error']}")
    implementations = {
        f"{name} {key}": case["implementation"]
        for name, result in suite["engines"].items()
        for key, case in result.get("cases", {}).items()
        if "implementation" in case and key.startswith(("W1/", "W2/"))
    }
    if implementations:
        notes.append("- W1/W2 written as: " + "; ".join(f"{k}: {v}" for k, v in implementations.items()))
    notes += [f"- {line}" for line in suite.get("mismatches", [])]
    return (["Notes:", "", *notes]) if notes else []

"""Findings filed in /work/wt/FINDINGS.md and not yet fixed on main, and how CI steps around them.

Each entry says which constructs the default CI seed range leaves out until the fix merges; each
also has a strict-xfail regression test in test_fuzz.py, which flips when the fix lands (then
delete the entry here, and the CI range covers the construct again).
"""

from __future__ import annotations

from .generator import SETITEM_EXTRA_AXES, Options
from .oracle import ZERO_D_GRAD_TYPE, Failure, check
from .program import Program

# finding number -> (what it is, Options fields it adds for first order, and for second order)
KNOWN: dict[int, tuple[str, dict[str, frozenset[str]], dict[str, frozenset[str]]]] = {
    1: (
        "in-place write to the result of /, ** or var raises (issue 11 item 11)",
        {"also_saves_output": frozenset({"div", "div c", "rdiv c", "pow c", "var"})},
        {},
    ),
    2: (
        "in-place write to y after y * c, c * y or c / y (c a number) raises; PyTorch keeps no copy of y",
        {"also_saves_inputs": frozenset({"mul c", "rmul c", "rdiv c"})},
        {},
    ),
    3: (
        "second derivatives through in-place /= by a tensor are wrong (issue 11 item 10)",
        {},
        {"exclude": frozenset({"/= value"})},
    ),
    4: (
        "t[i] = v with v of more (size-1) axes than t[i]: the forward accepts it, the backward raises",
        {"exclude": frozenset({SETITEM_EXTRA_AXES})},
        {},
    ),
    6: (
        "the gradient of a 0-d leaf is a Tensor holding a NumPy scalar, not an ndarray (issue 11 item 1)",
        {},
        {},
    ),
}
CI_SKIPPED_CHECKS = frozenset({ZERO_D_GRAD_TYPE})  # finding 6: a check, not a construct, is left out


def ci_check(program: Program, second_order: bool = False) -> Failure | None:
    """The oracle as the CI seed range runs it (see CI_SKIPPED_CHECKS)."""
    return check(program, second_order, CI_SKIPPED_CHECKS)


def ci_options(second_order: bool = False, views: bool = False) -> Options:
    """The generator options of the CI seed range: every construct except the known findings'."""
    fields: dict[str, frozenset[str]] = {}
    for _, first, second in KNOWN.values():
        for part in (first, second) if second_order else (first,):
            for key, names in part.items():
                fields[key] = fields.get(key, frozenset()) | names
    return Options(views=views, **fields)

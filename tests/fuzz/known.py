"""Findings filed in /work/wt/FINDINGS.md and not yet fixed on main, and how CI steps around them.

Each entry says which constructs the default CI seed range leaves out until the fix lands; each
also has a strict-xfail regression test in test_fuzz.py, which flips when the fix lands (then
delete the entry here, and the CI range covers the construct again).
"""

from __future__ import annotations

from .generator import Options
from .oracle import Failure, check
from .program import Program

# finding number -> (what it is, Options fields it adds for first order, and for second order)
KNOWN: dict[int, tuple[str, dict[str, frozenset[str]], dict[str, frozenset[str]]]] = {}  # none open
CI_SKIPPED_CHECKS: frozenset[str] = frozenset()  # checks of the oracle left out while a finding is open


def ci_check(program: Program, second_order: bool = False) -> Failure | None:
    """The oracle as the CI seed range runs it (see CI_SKIPPED_CHECKS)."""
    return check(program, second_order, CI_SKIPPED_CHECKS)


def ci_options(second_order: bool = False, views: bool = True) -> Options:
    """The generator options of the CI seed range: every construct except the known findings'."""
    fields: dict[str, frozenset[str]] = {}
    for _, first, second in KNOWN.values():
        for part in (first, second) if second_order else (first,):
            for key, names in part.items():
                fields[key] = fields.get(key, frozenset()) | names
    return Options(views=views, **fields)

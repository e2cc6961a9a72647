"""`report.md` of a lab run: the settings, a result table per data set, timings, links to the figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from examples.lab.training import History


def render_report(
    command: str,
    settings: Mapping[str, object],
    histories: Mapping[str, History],
    sizes: Mapping[str, int],
    figures: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, str]],
    total_seconds: float,
) -> str:
    """The report as markdown. `figures` and `files` are (caption, file name) pairs relative to it."""
    lines = ["# Lab 1: back-propagation on a small MLP", "", f"Command: `{command}`", ""]
    lines += ["## Settings", "", "| setting | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in settings.items()]
    lines += ["", "## Results", ""]
    lines += [
        "| data set | accuracy | final loss | 100% from epoch | training time | per epoch |",
        "|---|---|---|---|---|---|",
    ]
    for name, history in histories.items():
        n = sizes[name]
        correct = round(history.final_accuracy * n)
        first = history.epochs_to_perfect
        microseconds = 1e6 * history.seconds / (len(history.losses) - 1)
        lines.append(
            f"| {name} | {100 * history.final_accuracy:.2f}% ({correct}/{n}) | {history.final_loss:.3e} | "
            f"{first if first is not None else 'never'} | {history.seconds:.2f} s | {microseconds:.0f} µs |"
        )
    lines += ["", f"Total wall time (training, figures, graph, files): {total_seconds:.1f} s.", ""]
    lines += ["## Figures", ""]
    for caption, name in figures:
        lines += [f"**{caption}** ([{name}]({name}))", "", f"![{caption}]({name})", ""]
    lines += ["## Files", ""]
    lines += [f"- [{name}]({name}): {caption}" for caption, name in files]
    return "\n".join(lines) + "\n"

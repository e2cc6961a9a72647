"""Command-line checks shared by the lab and the experiments: argparse types that reject bad
values with a one-line error, and a check that --out can be written."""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None


def non_negative_int(text: str) -> int:
    """An int >= 0 (a seed)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def positive_int(text: str) -> int:
    """An int >= 1 (epochs, units, batch size)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite float > 0 (a learning rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def require_writable_folder(parser: argparse.ArgumentParser, folder: Path) -> None:
    """Make sure `folder` can be created and written (its parent is created if needed); else exit
    with a one-line --out error (code 2), before any training time is spent."""
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(20, "not a folder")
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder if folder.is_dir() else folder.parent):
            pass
    except OSError as error:
        parser.error(f"argument --out: cannot write to {str(folder)!r}: {error.strerror or error}")

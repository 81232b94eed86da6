"""Progress on stderr: each slow step (synth, reading, rendering, pricing) with its elapsed time.

On a terminal a step shows a live spinner with a running clock (rich) and leaves one line when it ends; in a log
(CI, a pipe) it prints that one line only. `--quiet` turns it off; results and errors are never progress. The
CLI configures it once (`configure`); every layer may report through `step` without knowing where it goes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_state: dict[str, Any] = {"quiet": True, "stream": None}


def configure(*, quiet: bool, stream: TextIO | None = None) -> None:
    """Turn progress on (to `stream`, default stderr) or off; off is the default for library callers."""
    _state["quiet"] = quiet
    _state["stream"] = stream


def _stream() -> TextIO:
    return _state["stream"] or sys.stderr


def elapsed(seconds: float) -> str:
    """`0.4 s`, `12.3 s`, `1 min 05 s`."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


@contextmanager
def step(label: str) -> Iterator[None]:
    """Report `label` while the block runs and `label (elapsed)` when it ends; nothing when it fails (the
    error line says why) and nothing at all under --quiet."""
    if _state["quiet"]:
        yield
        return
    stream = _stream()
    started = time.perf_counter()
    status = _live(label, stream)
    try:
        yield
    finally:
        if status is not None:
            status.stop()
    stream.write(f"docgen: {label} ({elapsed(time.perf_counter() - started)})\n")
    stream.flush()


def note(message: str) -> None:
    """One line of progress that is not a timed step (e.g. why a synth is needed)."""
    if not _state["quiet"]:
        _stream().write(f"docgen: {message}\n")
        _stream().flush()


def _live(label: str, stream: TextIO) -> Any:
    """A rich spinner with a running clock on a terminal; None in a log or when rich is not installed."""
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    try:
        from rich.console import Console
    except ImportError:  # docgen installed without rich: the end-of-step line is enough
        return None
    console = Console(file=stream, highlight=False)
    started = time.perf_counter()

    from rich.text import Text

    class _Clock:
        def __rich__(self) -> Text:
            return Text(f"{label} … {elapsed(time.perf_counter() - started)}")

    status = console.status(_Clock(), spinner="dots", refresh_per_second=4)
    status.start()
    return status

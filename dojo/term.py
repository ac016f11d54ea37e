"""Terminal output for the `dojo` command: one rich console, readable without colour.

Colour is only ever decoration: every state is also written in words, and rich
itself drops colour for `NO_COLOR`, `TERM=dumb` and output that is not a terminal.
Markup is off, so brackets in learner text (`a[i, :, None]`) print as they are.
"""

from __future__ import annotations

import math
from typing import IO

from rich.console import Console
from rich.text import Text

STATE_STYLES = {"done": "green", "in progress": "yellow", "not started": "dim"}
VERDICT_STYLES = {
    "passed": "green",
    "not started": "dim",
    "wrong": "red",
    "crashed": "red",
    "rule broken": "magenta",
    "too slow": "red",
    "error": "red",
}


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """`dojo list | head`: the reader left. Rich exits 1 here; the command decides
        (it ends quietly with 0, see dojo.cli.main)."""
        self.quiet = True
        raise BrokenPipeError


def console(file: IO[str] | None = None) -> Console:
    return _Console(file=file, highlight=False, markup=False, emoji=False)


def unicode_ok(con: Console) -> bool:
    return con.encoding.lower().replace("-", "").startswith("utf")


def bar(done: int, total: int, width: int, con: Console) -> Text:
    """`███░░░░` with the done part in colour; `###----` where the output is not UTF-8."""
    full, empty = ("█", "░") if unicode_ok(con) else ("#", "-")
    filled = round(width * done / total) if total else 0
    if done and not filled:
        filled = 1  # some progress is never shown as none
    if done < total and filled == width:
        filled = width - 1  # nor unfinished work as finished
    text = Text(full * filled, style="green")
    text.append(empty * (width - filled), style="dim")
    return text


def log_bar(ratio: float, max_ratio: float, width: int, con: Console) -> Text:
    """A bar whose length grows with log10(ratio): ratios of 1 to 100,000 fit one line."""
    full = "█" if unicode_ok(con) else "#"
    top = math.log10(max(max_ratio, 10.0))
    length = 1 + round((width - 1) * math.log10(max(ratio, 1.0)) / top)
    return Text(full * max(1, min(width, length)), style="cyan")


def verdict_text(verdict: str | None) -> Text:
    if verdict is None:
        return Text("not run yet", style="dim")
    return Text(verdict, style=VERDICT_STYLES.get(verdict, ""))

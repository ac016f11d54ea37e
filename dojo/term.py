"""Terminal output for the `dojo` command: one rich console, readable without colour.

Colour is only ever decoration: every state is also written in words, and rich
itself drops colour for `NO_COLOR`, `TERM=dumb` and output that is not a terminal.
Markup is off, so brackets in learner text (`a[i, :, None]`) print as they are.
"""

from __future__ import annotations

import math
import string
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from dojo import outcomes
from dojo.i18n import _

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
    """A verdict as the learner reads it ("wrong", or its translation), in its colour."""
    if verdict is None:
        return Text(_("not run yet"), style="dim")
    return Text(outcomes.label(verdict), style=VERDICT_STYLES.get(verdict, ""))


_FORMATTER = string.Formatter()


def assemble(template: str, **parts: Any) -> Text:
    """A whole (translated) sentence whose placeholders are filled with styled parts:
    `assemble(_("Open {path}"), path=(name, "bold"))`. A part is a `Text`, a
    `(text, style)` pair, or any value, formatted as `str.format` would."""
    text = Text()
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if literal:
            text.append(literal)
        if name is None:
            continue
        value = parts[name]
        if isinstance(value, Text):
            text.append_text(value)
        elif isinstance(value, tuple):
            text.append(value[0], style=value[1])
        else:
            value = _FORMATTER.convert_field(value, conversion)
            text.append(_FORMATTER.format_field(value, spec or ""))
    return text

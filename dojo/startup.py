"""Start a kata run without paying for the garbage collector's full passes.

Importing torch leaves about 180,000 long-lived objects, and CPython 3.10-3.11
walks all of them on every full (generation 2) collection: about 0.1 s each on a
laptop core. A cold `pytest katas/NN` ran six to eight of them (during torch's
import, then `gc.collect()` twice at the end of every pytest run, when pytest
looks for unraisable exceptions), close to a second in all. Objects that live
for the whole run never need collecting, so they are moved out of the
collector's sight with `gc.freeze()`: once after the imports, once after the
tests are collected. Reference counting still frees everything as usual; only
cyclic garbage made before a freeze stays until the process ends, and the
collection pass before the second freeze keeps that to the imports' own.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_collected_once = False


@contextlib.contextmanager
def imports_without_gc() -> Iterator[None]:
    """Run heavy imports with the cyclic collector off, then freeze what they made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def freeze_after_collection() -> None:
    """Collect once, then freeze the test modules, strategies and fixtures that live
    for the whole run. Only the first time in a process: the suite's in-process
    pytest runs would otherwise freeze each other's leftovers."""
    global _collected_once
    if _collected_once:
        return
    _collected_once = True
    gc.collect()
    gc.freeze()

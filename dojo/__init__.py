"""foundations katas: the dojo harness that grades chapter 17 katas against PyTorch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "graded", "load_ipython_extension"]


def graded(function: str) -> object:
    """Mark a graded test as checking one function (or class) of its kata."""
    import pytest

    return pytest.mark.graded(function)


def check(
    kata: str, namespace: Mapping[str, Any] | None = None, root: Path | str | None = None
) -> None:
    """Grade a kata on functions defined in a notebook: `dojo.check("03", globals())`.

    Without a namespace, the caller's globals are graded. See `dojo.notebook`.
    """
    import inspect

    from dojo import notebook

    if namespace is None:
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        namespace = caller.f_globals if caller is not None else {}
    notebook.check(kata, namespace, root)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext dojo` in IPython or Jupyter: adds the `%%dojo KATA` cell magic."""
    from dojo import notebook

    notebook.load_ipython_extension(ipython)

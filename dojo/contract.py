"""The contract's signatures: the names the harness gives a learner's arguments.

The tests pass positional parameters by position, so a learner may name them
freely (`matmul(m1, m2)` is as correct as `matmul(a, b)`). Everything the
harness says or computes about an argument (the call a failure shows, an
operation budget such as `12 * (a.shape[0] + 1)`, a test looking at a recorded
call) uses the contract's names instead: each call is bound to the signature of
the reference solution, read from its source (never imported or run).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping
from pathlib import Path

from dojo import course
from dojo.curriculum import Kata

Signatures = Mapping[str, inspect.Signature]


class _Default:
    """Stands for a default value of the contract: only its presence matters."""

    def __repr__(self) -> str:
        return "..."


DEFAULT = _Default()

_cache: dict[Path, tuple[float, dict[str, inspect.Signature]]] = {}


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> inspect.Signature:
    args = node.args
    P = inspect.Parameter
    positional: list[tuple[str, inspect._ParameterKind]]
    positional = [(a.arg, P.POSITIONAL_ONLY) for a in args.posonlyargs]
    positional += [(a.arg, P.POSITIONAL_OR_KEYWORD) for a in args.args]
    first_default = len(positional) - len(args.defaults)
    params = [
        P(name, kind, default=DEFAULT if i >= first_default else P.empty)
        for i, (name, kind) in enumerate(positional)
    ]
    if args.vararg is not None:
        params.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(
            P(arg.arg, P.KEYWORD_ONLY, default=P.empty if default is None else DEFAULT)
        )
    if args.kwarg is not None:
        params.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params)


def parse(source: str) -> dict[str, inspect.Signature]:
    """Signatures of the module-level functions ("lin") and of the methods of the
    module-level classes ("Lin.backward", "MyRelu.forward") defined in `source`."""
    found: dict[str, inspect.Signature] = {}
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in ast.parse(source).body:
        if isinstance(node, functions):
            found[node.name] = _signature(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, functions):
                    found[f"{node.name}.{item.name}"] = _signature(item)
    return found


def signatures(kata: Kata, katas_dir: Path) -> dict[str, inspect.Signature]:
    """The contract of `kata`, read once per version of its reference file (beside
    `katas_dir`, or the course's: see dojo.course); empty when there is no reference
    to read (the learner's own names are used then)."""
    found = course.reference_file(kata, katas_dir)
    if found is None:
        return {}
    path = found.resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        try:
            parsed = parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            parsed = {}
        _cache[path] = (mtime, parsed)
    return _cache[path][1]

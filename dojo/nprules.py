"""Rules for the NumPy track (katas 13-15), enforced while the learner's code runs.

PyTorch katas watch operations with a TorchFunctionMode; NumPy has no such mode, so
`NumpyGuard` combines three hooks, active only around the learner's call:

- a profile hook (`sys.setprofile`) that records any call into torch (these katas
  are NumPy only: the plain-Python guard's idea, for torch) and the NumPy functions
  the learner's own lines call, by their code: `np.einsum`, `np.dot`, `as_strided`;
- `Watched`, a view class the inputs are handed over as: its `__array_ufunc__` sees
  ufuncs and operators (`a @ b` is `np.matmul`) and its wrapped methods see
  `a.dot(b)`; results of operations on it stay watched, results handed back to the
  test are plain arrays again;
- a trace hook (`sys.settrace`) on the learner's frames that counts Python loop
  iterations: every arrival at the target of a jump back in the bytecode (a loop
  going round), and every call of the learner's own functions past the first.
  "Three loops", "one loop" and "no loop" are graded on that count, a deterministic
  number, never on the clock.

A guard for honest learners, not a sandbox: `np.asarray(a) @ b` on a plain copy of
an input is not seen.
"""

from __future__ import annotations

import dis
import functools
import sys
import threading
import types
from collections.abc import Iterable
from typing import Any

import numpy as np

from dojo.i18n import N_, _, ngettext
from dojo.outcomes import RuleBroken, RuleBrokenOnInput
from dojo.rules import (
    Location,
    PlainPythonGuard,
    RuleSet,
    Violation,
    forbidden_call,
    learner_location,
    never_called,
    rule_report,
)

# Groups of NumPy operations, by name ("np.X", "np.linalg.X", "ndarray.X").
GROUPS: dict[str, tuple[str, ...]] = {
    "np-matmul-family": (
        "np.matmul", "np.dot", "ndarray.dot", "np.vdot", "np.inner", "np.outer",
        "np.tensordot", "np.einsum", "np.einsum_path", "np.kron", "np.vecdot",
        "np.matvec", "np.vecmat", "np.linalg.matmul", "np.linalg.multi_dot",
        "np.linalg.tensordot", "np.linalg.vecdot", "np.linalg.outer",
    ),
    "np-broadcast-helpers": (
        "np.broadcast_to", "np.broadcast_arrays", "np.broadcast_shapes",
        "np.lib.stride_tricks.sliding_window_view",
    ),
    "np-copies": (
        "np.tile", "np.repeat", "ndarray.repeat", "np.copy", "ndarray.copy",
        "np.ascontiguousarray", "np.concatenate", "np.stack", "np.vstack", "np.hstack",
        "ndarray.tolist",
    ),
    # A required group is met by any one member: "build it from a strided view".
    "np-stride-tricks": (
        "np.lib.stride_tricks.as_strided", "np.lib.stride_tricks.sliding_window_view",
    ),
    # Whatever runs a Python function over the elements: a loop the trace cannot see.
    "np-python-loops": (
        "np.vectorize", "np.frompyfunc", "np.apply_along_axis", "np.apply_over_axes",
        "np.fromfunction", "np.fromiter",
    ),
}
GROUPS["np-matmul-family-except-einsum"] = tuple(
    op for op in GROUPS["np-matmul-family"] if op != "np.einsum"
)


def resolve(name: str) -> Any:
    """The NumPy callable named `name` ("np.einsum", "ndarray.dot", "np.linalg.matmul")."""
    root, _sep, rest = name.partition(".")
    roots: dict[str, Any] = {"np": np, "ndarray": np.ndarray}
    if root not in roots or not rest:
        raise ValueError(f"unknown operation {name!r}: write np.X or ndarray.X")
    obj: Any = roots[root]
    for part in rest.split("."):
        if root == "np" and part in ("lib", "linalg") and obj is np:
            __import__(f"numpy.{part}")
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"unknown operation {name!r}: this numpy has no {part}") from None
    return obj


def keys(obj: Any, name: str) -> list[Any]:
    """What a hook sees when `obj` runs: its code objects (Python functions, and the
    Python parts of NumPy's dispatchers), the ufunc itself, or ("ndarray", method)."""
    if name.startswith("ndarray."):
        return [("ndarray", name.partition(".")[2])]
    if isinstance(obj, np.ufunc):
        return [obj]
    found: list[Any] = [obj]
    code = getattr(obj, "__code__", None)
    if isinstance(code, types.CodeType):
        found.append(code)
    for inner in ("_implementation", "__wrapped__"):
        code = getattr(getattr(obj, inner, None), "__code__", None)
        if isinstance(code, types.CodeType):
            found.append(code)
    if isinstance(getattr(obj, "_implementation", None), types.BuiltinFunctionType):
        # np.dot, np.inner: C functions whose dispatcher is a Python function of the same
        # name in numpy's multiarray module; the profile hook sees that one run.
        found.append(("dispatcher", obj.__name__))
    if isinstance(obj, type):  # np.vectorize: its __init__ runs
        init = getattr(vars(obj).get("__init__"), "__code__", None)
        if isinstance(init, types.CodeType):
            found.append(init)
    return found


def expand(names: Iterable[str], *, as_named: bool = False) -> dict[Any, str]:
    """Map what the hooks see for each operation `names` name (groups expanded) to its
    name, or with `as_named` to the name as given (a group's name for its members: a
    requirement is met by any one of them); operations this NumPy lacks are skipped
    inside groups, refused outside."""
    out: dict[Any, str] = {}
    for name in names:
        members = GROUPS.get(name, (name,))
        shown = _(" or ").join(members) if as_named else ""
        for member in members:
            try:
                obj = resolve(member)
            except ValueError:
                if name in GROUPS:
                    continue
                raise
            for key in keys(obj, member):
                out.setdefault(key, shown or member)
    return out


# --- the view class the inputs are handed over as ---------------------------------

_active = threading.local()  # .guard: the NumpyGuard of the learner call now running


def _guard() -> NumpyGuard | None:
    return getattr(_active, "guard", None)


class Watched(np.ndarray):
    """An ndarray whose operations the running `NumpyGuard` sees; it prints as one."""

    # The hooks below run for every operation inside the learner's call, under the
    # guard's profile hook, which sees every call they make: they make few.
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        guard = getattr(_active, "guard", None)
        if guard is not None and guard.watching:
            guard.saw(ufunc, sys._getframe(1))
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple([o.view(np.ndarray) if type(o) is Watched else o for o in out])
        args = [i.view(np.ndarray) if type(i) is Watched else i for i in inputs]
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if type(result) is np.ndarray:
            return result.view(Watched)
        return watch(result) if type(result) is tuple else result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        guard = getattr(_active, "guard", None)
        if guard is not None and guard.watching:
            guard.saw(func, sys._getframe(1))
        return watch(func(*unwatch(args), **unwatch(kwargs)))

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __reduce_ex__(self, protocol: Any) -> Any:  # a copy or a pickle is a plain array
        return self.view(np.ndarray).__reduce_ex__(protocol)


def _method(name: str) -> Any:
    original = getattr(np.ndarray, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        guard = _guard()
        if guard is not None:
            guard.saw(("ndarray", name), sys._getframe(1))
        return watch(original(self.view(np.ndarray), *unwatch(args), **kwargs))

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = original.__doc__
    return wrapper


# The methods a rule may name ("ndarray.dot"): each call is seen.
WATCHED_METHODS = ("dot", "repeat", "copy", "tolist")
for _name in WATCHED_METHODS:
    setattr(Watched, _name, _method(_name))


def watch(value: Any) -> Any:
    """`value` as the learner's code gets it: each plain ndarray (at the top level or in
    a tuple or list) as a `Watched` view of the same memory."""
    if type(value) is np.ndarray:
        return value.view(Watched)
    if isinstance(value, (tuple, list)):
        return _rebuilt(value, [watch(v) for v in value])
    return value


def unwatch(value: Any) -> Any:
    """What the learner's code returned, as the test gets it (and what NumPy itself gets
    inside the hooks): plain arrays (views of the same memory), inside tuples, lists and
    dicts too."""
    if isinstance(value, Watched):
        return value.view(np.ndarray)
    if isinstance(value, (tuple, list)):
        return _rebuilt(value, [unwatch(v) for v in value])
    if isinstance(value, dict):
        return {k: unwatch(v) for k, v in value.items()}
    return value


def _rebuilt(value: tuple[Any, ...] | list[Any], items: list[Any]) -> Any:
    """A tuple or list of `value`'s own type holding `items`: a named tuple
    (`np.linalg.svd`'s result) keeps its fields."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*items)
    return type(value)(items)


# --- the guard ----------------------------------------------------------------------

_LINE = "line"


class NumpyGuard(PlainPythonGuard):
    """No torch; NumPy's forbidden and required operations; Python loop iterations."""

    banned = ("torch", "scipy")  # scipy.signal.convolve2d would do kata 15's work
    what = N_("this kata is NumPy only (no torch, no scipy)")

    def __init__(
        self,
        rules: RuleSet,
        *,
        files: Iterable[str],
        function: str,
        budget: int | None = None,
        floor: int | None = None,
    ) -> None:
        super().__init__(rules, files=files, function=function)
        self.budget = budget
        self.floor = floor
        self.iterations = 0
        self.seen_required: set[str] = set()
        self.watching = bool(rules.forbid or rules.require)  # any operation to look for
        self._codes: dict[types.CodeType, tuple[bool, bool, bool]] = {}
        self._read: set[types.CodeType] = set()
        self._entered = 0
        self._previous_trace: Any = None
        self._previous_guard: NumpyGuard | None = None

    # what the hooks report
    def saw(self, key: Any, caller: types.FrameType | None) -> None:
        """An operation ran; `caller` is the frame that called it. Only the learner's own
        lines count: what NumPy does inside an allowed operation is its business."""
        if caller is None or caller.f_code.co_filename not in self.files:
            return
        try:
            forbidden = self.rules.forbid.get(key)
            required = self.rules.require.get(key)
        except TypeError:  # not hashable
            return
        if required is not None:
            self.seen_required.add(required)
        if forbidden is not None and not self.violations:
            where = learner_location(self.files, depth=2)
            self.violations.append(Violation(forbidden_call(forbidden), where))
            raise RuleBroken(self.report())

    def _check_globals(self, frame: types.FrameType) -> None:
        """Also read the learner's code for a matrix product that would slip past the
        hooks on a plain copy of an input (`np.asarray(a) @ b`): `@`, `.dot`,
        `np.matmul`, and forbidden NumPy functions imported by name. Once per code
        object and call: a loop calling a helper reads the same code every time."""
        if frame.f_code in self._read:
            return
        self._read.add(frame.f_code)
        super()._check_globals(frame)
        if self.violations or not self.rules.forbid:
            return
        for kind, name, line in _static_uses(frame.f_code):
            key: Any = None
            if kind == "op":
                key = np.matmul
            elif kind == "attr" and name.startswith("random."):
                key = getattr(np.random, name.partition(".")[2], None)
            elif kind == "attr" and name in _STATIC_ATTRS:
                key = getattr(np, name, None)
                if key not in self.rules.forbid:
                    key = ("ndarray", name)
            elif kind == "global":
                key = frame.f_globals.get(name)
            try:
                forbidden = self.rules.forbid.get(key) if key is not None else None
            except TypeError:  # not hashable
                continue
            if forbidden is not None:
                what = {"op": "`@` (np.matmul)", "attr": f"`.{name}`"}.get(kind, forbidden)
                if name.startswith("random."):
                    what = forbidden
                where = Location(frame.f_code.co_filename, line)
                self.violations.append(Violation(
                    _("uses {operation}, which this kata forbids").format(operation=what), where
                ))
                return

    def _profile(self, frame: types.FrameType, event: str, arg: Any) -> None:
        # Every call NumPy makes inside the learner's call lands here: what a code
        # object is (the learner's? banned?) is worked out once, not at every call.
        if self.violations:
            return
        if event == "call":
            code = frame.f_code
            known = self._codes.get(code)
            if known is None:
                module = str(frame.f_globals.get("__name__", ""))
                known = self._codes[code] = (
                    code.co_filename in self.files,
                    module.split(".")[0] in self.banned,
                    module.endswith("multiarray"),
                )
            learner, banned, dispatcher = known
            if learner or banned:
                super()._profile(frame, event, arg)  # the globals it reads; torch's code
            if self.watching and not self.violations:
                self.saw(code, frame.f_back)
                if dispatcher:
                    self.saw(("dispatcher", code.co_name), frame.f_back)
        elif event == "c_call":
            super()._profile(frame, event, arg)
            if self.watching and not self.violations:
                self.saw(arg, frame)

    def _trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in self.files:
            return None
        self._entered += 1
        if self._entered > 1 and not (frame.f_code.co_flags & _RESUMED and frame.f_lasti >= 0):
            self._count(frame)  # a call of the learner's own code inside the call
        frame.f_trace_lines = True
        return self._local

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        # A loop going round lands on the target of a jump back in the bytecode (a
        # `for`'s FOR_ITER, a `while`'s body), and Python reports a line there each time.
        # A statement over several lines (a call, a black-formatted subscript) steps
        # back to an earlier line without looping: it lands on no such target.
        if event == _LINE and frame.f_lasti in _loop_targets(frame.f_code):
            self._count(frame)
        return self._local

    def _count(self, frame: types.FrameType) -> None:
        self.iterations += 1
        if self.budget is not None and self.iterations > self.budget and not self.violations:
            where = Location(frame.f_code.co_filename, frame.f_lineno)
            self.violations.append(Violation(
                ngettext(
                    "ran more than {budget} Python loop iteration on this input: a Python "
                    "loop where the kata asks for none (or for fewer)",
                    "ran more than {budget} Python loop iterations on this input: a Python "
                    "loop where the kata asks for none (or for fewer)",
                    self.budget,
                ).format(budget=self.budget),
                where,
                on_input=True,
            ))
            raise RuleBrokenOnInput(self.report())

    def report(self) -> str:
        return rule_report(self.function, self.violations[0], self.rules.text)

    def __enter__(self) -> NumpyGuard:
        super().__enter__()
        self._previous_guard = _guard()
        _active.guard = self
        self._previous_trace = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous_trace)
        _active.guard = self._previous_guard
        super().__exit__(*exc)

    def check_after(self) -> None:
        """Raise for violations a `try/except` swallowed, for required operations never
        called, and for fewer loop iterations than the loops the kata asks for."""
        if self.violations:
            if self.violations[0].on_input:
                raise RuleBrokenOnInput(self.report())
            raise RuleBroken(self.report())
        missing = sorted(set(self.rules.require.values()) - self.seen_required)
        if missing:
            self.violations.append(Violation(never_called(missing), None))
            raise RuleBroken(self.report())
        if self.floor is not None and self.iterations < self.floor:
            self.violations.append(Violation(
                ngettext(
                    "ran only {count} Python loop iteration on this input, but the loops "
                    "this kata asks for run at least {floor}: a vectorised operation did the "
                    "work of a loop",
                    "ran only {count} Python loop iterations on this input, but the loops "
                    "this kata asks for run at least {floor}: a vectorised operation did the "
                    "work of a loop",
                    self.iterations,
                ).format(count=self.iterations, floor=self.floor),
                None,
                on_input=True,
            ))
            raise RuleBrokenOnInput(self.report())




@functools.lru_cache(maxsize=4096)
def _loop_targets(code: types.CodeType) -> frozenset[int]:
    """The offsets in `code` that a jump back goes to: where each loop goes round."""
    targets = set()
    for ins in dis.get_instructions(code):
        if (ins.opcode in dis.hasjrel or ins.opcode in dis.hasjabs) and isinstance(
            ins.argval, int
        ) and ins.argval <= ins.offset:
            targets.add(ins.argval)
    return frozenset(targets)

# Attributes read as a matrix product whatever they are read from: the ufuncs (which
# the hooks see only on watched arrays) and ndarray.dot.
_STATIC_ATTRS = frozenset({"matmul", "dot", "vecdot", "matvec", "vecmat"})
_MATMUL_OPS = frozenset({"BINARY_MATRIX_MULTIPLY", "INPLACE_MATRIX_MULTIPLY"})  # 3.10


@functools.lru_cache(maxsize=4096)
def _static_uses(code: types.CodeType) -> tuple[tuple[str, str, int], ...]:
    """("op", "@", line) for each matrix-product operator in `code`, ("attr", name,
    line) for each attribute it reads ("random.randn" for one read off a `random`: the
    global generator's functions are Cython, out of sight of the profile hook), and
    ("global", name, line) for each global."""
    found, line = [], code.co_firstlineno
    previous = None
    for ins in dis.get_instructions(code):
        lineno = getattr(getattr(ins, "positions", None), "lineno", None) or ins.starts_line
        if isinstance(lineno, int) and not isinstance(lineno, bool):
            line = lineno
        if ins.opname in _MATMUL_OPS or (
            ins.opname == "BINARY_OP" and ins.argrepr in ("@", "@=")
        ):
            found.append(("op", "@", line))
        elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and isinstance(ins.argval, str):
            after_random = previous is not None and previous.argval == "random"
            found.append(("attr", f"random.{ins.argval}" if after_random else ins.argval, line))
        elif ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(ins.argval, str):
            found.append(("global", ins.argval, line))
        previous = ins if ins.opname in ("LOAD_ATTR", "LOAD_GLOBAL", "LOAD_NAME") else None
    return tuple(found)
_RESUMED = 0x20 | 0x200 | 0x80  # CO_GENERATOR, CO_ASYNC_GENERATOR, CO_COROUTINE

"""Rules enforced while the learner's code runs.

A `torch.overrides.TorchFunctionMode` is active only around the learner's call.
It sees the public torch API the learner used (top level only: what an allowed
operation calls inside is not seen), records every forbidden call with the
learner's line, counts operations for "no loops" budgets, and notes in-place
writes. Violations are recorded before anything is raised, so a learner's
`try/except` cannot hide them. The plain-Python rule of 01_neuron uses a
profile hook instead, which also sees numpy.

This is a guard for honest learners, not a sandbox.
"""

from __future__ import annotations

import contextlib
import dis
import functools
import linecache
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from dojo.i18n import N_, _, ngettext
from dojo.outcomes import RuleBroken, RuleBrokenOnInput

# Groups of operations, by name. A rule may name a group or a single operation
# ("torch.cdist", "Tensor.expand", "F.linear").
GROUPS: dict[str, tuple[str, ...]] = {
    "matmul-family": (
        "torch.matmul", "Tensor.matmul", "Tensor.__matmul__", "Tensor.__rmatmul__",
        "Tensor.__imatmul__", "torch.mm", "Tensor.mm", "torch.bmm", "Tensor.bmm",
        "torch.mv", "Tensor.mv", "torch.dot", "Tensor.dot", "torch.vdot", "Tensor.vdot",
        "torch.inner", "Tensor.inner", "torch.outer", "Tensor.outer", "torch.ger",
        "Tensor.ger", "torch.einsum", "torch.tensordot", "torch.addmm", "Tensor.addmm",
        "torch.addmv", "Tensor.addmv", "torch.addbmm", "Tensor.addbmm", "torch.baddbmm",
        "Tensor.baddbmm", "torch.chain_matmul", "torch.linalg.matmul",
        "torch.linalg.multi_dot", "torch.linalg.vecdot", "F.linear", "F.bilinear",
        "torch.kron", "torch.cdist",
    ),
    "escape-routes": (
        "Tensor.numpy", "Tensor.__array__", "Tensor.__dlpack__",
    ),
    "copies": (
        "Tensor.clone", "Tensor.repeat", "Tensor.contiguous", "Tensor.copy_",
        "torch.tile", "Tensor.tile", "torch.repeat_interleave", "Tensor.repeat_interleave",
        "torch.cat", "torch.stack",
    ),
    # torch.func and torch.autograd.functional call torch.autograd.grad, which the
    # mode sees; `requires_grad=True` passed to any factory is caught by RuleMode.
    "autograd": (
        "Tensor.backward", "torch.autograd.grad", "torch.autograd.backward",
        "Tensor.requires_grad_", "Tensor.requires_grad.__set__",
    ),
}

# Every matrix product but einsum: what a kata that requires einsum forbids (04_einsum).
GROUPS["matmul-family-except-einsum"] = tuple(
    op for op in GROUPS["matmul-family"] if op != "torch.einsum"
)

_ROOTS: dict[str, Any] = {"torch": torch, "Tensor": torch.Tensor, "F": F}

# Calls that write into their first argument.
_INPLACE_DUNDERS = {
    "__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__",
    "__imod__", "__ipow__", "__iand__", "__ior__", "__ixor__", "__ilshift__",
    "__irshift__", "__imatmul__",
}
_REQUIRES_GRAD = torch.Tensor.requires_grad_
_NOT_WRITES = {"requires_grad_", "retain_grad", "share_memory_", "pin_memory_"}


def resolve(name: str) -> Callable[..., Any]:
    """The torch callable named `name` ("torch.cdist", "Tensor.expand", "F.linear")."""
    root, _sep, rest = name.partition(".")
    if root not in _ROOTS or not rest:
        raise ValueError(f"unknown operation {name!r}: write torch.X, Tensor.X or F.X")
    obj: Any = _ROOTS[root]
    for part in rest.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"unknown operation {name!r}: this torch has no {part}") from None
    return obj  # type: ignore[no-any-return]


def expand(names: Iterable[str]) -> dict[Any, str]:
    """Map each torch callable named by `names` (groups expanded) to its name."""
    out: dict[Any, str] = {}
    for name in names:
        for member in GROUPS.get(name, (name,)):
            try:
                out[_key(resolve(member))] = _display(member)
            except ValueError:
                if name in GROUPS:  # an op missing from this torch version
                    continue
                raise
    return out


def _with_twins(ops: dict[Any, str]) -> dict[Any, str]:
    """Let `Tensor.X` meet a requirement of `torch.X` and the other way round:
    `v.as_strided(...)` is `torch.as_strided(v, ...)` to a learner."""
    out = dict(ops)
    for name in ops.values():
        root, _sep, rest = name.partition(".")
        twin = {"torch": "Tensor", "Tensor": "torch"}.get(root)
        if twin is not None:
            with contextlib.suppress(ValueError):  # no twin in this torch
                out.setdefault(resolve(f"{twin}.{rest}"), name)
    return out


def _key(func: Any) -> Any:
    # Property getters arrive as their `__get__`: compare the property itself.
    # Setters arrive as `__set__`: ("set", property), so `x.requires_grad = True`
    # can be forbidden while reading `x.requires_grad` stays allowed.
    if isinstance(func, types.MethodWrapperType):
        owner = getattr(func, "__self__", func)
        return ("set", owner) if func.__name__ == "__set__" else owner
    return func


@functools.cache
def _public() -> frozenset[Any]:
    """Every callable of PyTorch's public namespaces, by `_key`."""
    import torch.fft
    import torch.nn.init
    import torch.special

    found = set()
    for owner in (torch, torch.Tensor, F, torch.linalg, torch.special, torch.fft,
                  torch.nn.init, torch.autograd, torch.nn):
        for name in dir(owner):
            with contextlib.suppress(Exception):
                value = getattr(owner, name)
                if callable(value):
                    found.add(_key(value))
    return frozenset(found)


def _private(func: Any, key: Any) -> bool:
    """An operator reached around the public API: `torch.ops.aten.mm.default`, or a
    function of torch's private modules (`torch._C._nn.im2col`) that no public name
    offers (`F.pad` is `torch._C._nn.pad`: public)."""
    if isinstance(func, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        return True
    module = getattr(func, "__module__", None)
    if not (isinstance(module, str) and module.startswith("torch._")):
        return False
    try:
        return key not in _public()
    except TypeError:  # not hashable: not one of torch's functions
        return False


def _called_from(frame: Any, files: tuple[str, ...]) -> bool:
    """Whether `frame`, the caller of an operator, is the learner's code: directly, or
    through `torch.ops`' own thin wrapper (torch/_ops.py)."""
    if frame.f_code.co_filename.replace("\\", "/").endswith("torch/_ops.py"):
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename in files


def _private_name(func: Any) -> str:
    if isinstance(func, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        return f"torch.ops.{func}"  # "aten.mm.default"
    return f"{getattr(func, '__module__', 'torch')}.{getattr(func, '__name__', func)}"


def _display(name: str) -> str:
    """How a message names an operation: a setter as the assignment a learner writes."""
    if name.endswith(".__set__"):
        attr = name.removesuffix(".__set__").rpartition(".")[2]
        return f"x.{attr} = True"
    return name


@dataclass(frozen=True)
class Location:
    """A line of the learner's code."""

    filename: str
    lineno: int

    @property
    def source(self) -> str:
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}: {self.source}"


def learner_location(files: Iterable[str], depth: int = 2) -> Location | None:
    """The innermost frame of the learner's own files on the current stack."""
    wanted = set(files)
    frame = sys._getframe(depth)
    while frame is not None:
        if frame.f_code.co_filename in wanted:
            return Location(frame.f_code.co_filename, frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return None


@dataclass
class Violation:
    """A rule broken at a place in the learner's code."""

    what: str
    where: Location | None
    on_input: bool = False  # broken because of the input's size: worth shrinking

    def describe(self) -> str:
        return self.what + at_line(self.where)


def at_line(where: object) -> str:
    """The line under a message that says where in the learner's code it happened
    ("\n  at katas/02_matmul/matmul.py:12: ..."), or "" when that is not known."""
    if not where:
        return ""
    return "\n  " + _("at {location}").format(location=where)


def rule_report(function: str, violation: Violation, rule: str) -> str:
    """What a learner reads for a broken rule: the function, what it did and where,
    then the rule itself."""
    shown = f"{function} {violation.describe()}"
    if rule:
        shown += "\n" + _("The rule of {function}: {rule}").format(function=function, rule=rule)
    return shown


def forbidden_call(operation: str) -> str:
    """What a learner reads for a forbidden operation: "called torch.mm, which this kata
    forbids" (or "set x.requires_grad = True, which ...")."""
    if " = " in operation:
        return _("set {assignment}, which this kata forbids").format(assignment=operation)
    return _("called {operation}, which this kata forbids").format(operation=operation)


def never_called(missing: Iterable[str]) -> str:
    """What a learner reads for required operations the code never ran."""
    return _("never called {operations}").format(operations=", ".join(missing))


@dataclass
class RuleSet:
    """What one function may and must do, resolved to torch callables (or, for the
    NumPy track, to what dojo.nprules' hooks see)."""

    text: str = ""
    plain_python: bool = False
    forbid: dict[Any, str] = field(default_factory=dict)
    require: dict[Any, str] = field(default_factory=dict)
    max_torch_calls: str | None = None
    min_torch_calls: str | None = None
    numpy: bool = False  # the NumPy track: no torch, loops counted (see dojo.nprules)
    max_loops: str | None = None
    min_loops: str | None = None

    @classmethod
    def from_names(
        cls,
        *,
        text: str = "",
        plain_python: bool = False,
        forbid: Iterable[str] = (),
        require: Iterable[str] = (),
        max_torch_calls: str | None = None,
        min_torch_calls: str | None = None,
        numpy: bool = False,
        max_loops: str | None = None,
        min_loops: str | None = None,
    ) -> RuleSet:
        if numpy:
            from dojo import nprules

            return cls(text, plain_python, nprules.expand(forbid),
                       nprules.expand(require, as_named=True),
                       numpy=True, max_loops=max_loops, min_loops=min_loops)
        return cls(text, plain_python, expand(forbid), _with_twins(expand(require)),
                   max_torch_calls, min_torch_calls)

    def budget(self, arguments: dict[str, Any]) -> int | None:
        """The most operations one call may run (for the NumPy track: Python loop
        iterations), evaluated on the bound arguments (named as in the contract: see
        dojo.contract)."""
        return _evaluate(self.max_loops if self.numpy else self.max_torch_calls, arguments)

    def floor(self, arguments: dict[str, Any]) -> int | None:
        """The fewest operations (NumPy track: loop iterations) one call must run (how
        "three loops" is graded)."""
        return _evaluate(self.min_loops if self.numpy else self.min_torch_calls, arguments)


def _evaluate(expression: str | None, arguments: dict[str, Any]) -> int | None:
    if expression is None:
        return None
    return int(eval(expression, {"__builtins__": {}}, dict(arguments)))


class RuleMode(TorchFunctionMode):
    """Records forbidden calls, required calls seen, the call count and in-place writes."""

    def __init__(
        self,
        rules: RuleSet,
        *,
        files: Iterable[str],
        function: str,
        budget: int | None,
        inputs: Iterable[torch.Tensor] = (),
        floor: int | None = None,
    ) -> None:
        super().__init__()
        self.rules = rules
        self.files = tuple(files)
        self.function = function
        self.budget = budget
        self.floor = floor
        self.calls = 0
        self.seen_required: set[str] = set()
        self.violations: list[Violation] = []
        self.writes: list[tuple[torch.Tensor, Location | None]] = []
        self._inputs = [t for t in inputs if isinstance(t, torch.Tensor)]

    def _fail(self, what: str, *, on_input: bool = False) -> None:
        violation = Violation(what, learner_location(self.files, depth=3), on_input)
        self.violations.append(violation)
        self._raise()

    def _raise(self) -> None:
        if self.violations[0].on_input:
            raise RuleBrokenOnInput(self.report())
        raise RuleBroken(self.report())

    def report(self) -> str:
        return rule_report(self.function, self.violations[0], self.rules.text)

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        key = _key(func)
        self.calls += 1
        if _private(func, key) and _called_from(sys._getframe(1), self.files):
            # (torch's own Python code, such as `torch.no_grad()`, calls them freely)
            self._fail(
                _("called {operator}, one of PyTorch's internal operators, which "
                  "slip past the kata's rules: write it with PyTorch's public API "
                  "(torch.X, tensor.X, torch.nn.functional.X)").format(
                    operator=_private_name(func)
                )
            )
        if key in self.rules.forbid:
            self._fail(forbidden_call(self.rules.forbid[key]))
        elif kwargs.get("requires_grad") and _REQUIRES_GRAD in self.rules.forbid:
            self._fail(
                _("passed requires_grad=True to {function}, which this kata forbids").format(
                    function=getattr(func, "__name__", func)
                )
            )
        if key in self.rules.require:
            self.seen_required.add(self.rules.require[key])
        if self.budget is not None and self.calls > self.budget:
            self._fail(
                _("ran more than {budget} torch operations on this input: "
                  "a Python loop where the kata asks for none (or for fewer)").format(
                    budget=self.budget
                ),
                on_input=True,
            )
        name = getattr(func, "__name__", "")
        if args and isinstance(args[0], torch.Tensor) and self._inputs and (
            name in _INPLACE_DUNDERS
            or (name.endswith("_") and not name.startswith("_") and name not in _NOT_WRITES)
        ):
            self.writes.append((args[0], learner_location(self.files)))
        return func(*args, **kwargs)

    def check_after(self) -> None:
        """Raise for violations a `try/except` swallowed, for missing required calls, and
        for fewer operations than the loops the kata asks for must run."""
        if self.violations:
            self._raise()
        missing = sorted(set(self.rules.require.values()) - self.seen_required)
        if missing:
            self.violations.append(Violation(never_called(missing), None))
            self._raise()
        if self.floor is not None and self.calls < self.floor:
            self.violations.append(Violation(
                ngettext(
                    "ran only {count} torch operation on this input, but the Python loops "
                    "this kata asks for run at least {floor}: a vectorised operation did "
                    "the work of a loop",
                    "ran only {count} torch operations on this input, but the Python loops "
                    "this kata asks for run at least {floor}: a vectorised operation did "
                    "the work of a loop",
                    self.calls,
                ).format(count=self.calls, floor=self.floor),
                None,
                on_input=True,
            ))
            self._raise()

    def write_location(self, tensor: torch.Tensor) -> Location | None:
        """Where the learner's code wrote in place into memory shared with `tensor`."""
        ptr = tensor.untyped_storage().data_ptr()
        for target, where in self.writes:
            if target.untyped_storage().data_ptr() == ptr:
                return where
        return None


_BANNED_ROOTS = ("torch", "numpy")
_IMPORTERS = ("importlib",)  # what imports a module by name, out of sight of the scan


def _root(value: Any) -> str:
    """The top-level package `value` comes from: "numpy" for np, np.maximum, np.float64(1)."""
    if isinstance(value, types.ModuleType):
        return value.__name__.split(".")[0]
    module = getattr(value, "__module__", None)
    return (module if isinstance(module, str) else type(value).__module__).split(".")[0]


@functools.lru_cache(maxsize=4096)
def _reads(code: types.CodeType, opnames: frozenset[str]) -> tuple[tuple[str, int], ...]:
    """(name, line) for each instruction of `code` in `opnames`: the globals it reads
    (LOAD_GLOBAL, LOAD_NAME) or the modules it imports (IMPORT_NAME)."""
    found, line = [], code.co_firstlineno
    for ins in dis.get_instructions(code):
        lineno = getattr(getattr(ins, "positions", None), "lineno", None) or ins.starts_line
        if isinstance(lineno, int) and not isinstance(lineno, bool):
            line = lineno
        if ins.opname in opnames and isinstance(ins.argval, str):
            found.append((ins.argval, line))
    return tuple(found)


_GLOBAL_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_IMPORTS = frozenset({"IMPORT_NAME"})


class PlainPythonGuard:
    """A profile hook that records any call into torch or numpy (01_neuron's rule)."""

    banned: tuple[str, ...] = _BANNED_ROOTS  # top-level packages the learner may not use
    what = N_("this kata is plain Python")  # why using them breaks the rule (see `_why`)

    def __init__(self, rules: RuleSet, *, files: Iterable[str], function: str) -> None:
        self.rules = rules
        self.files = tuple(files)
        self.function = function
        self.violations: list[Violation] = []
        self._previous: Any = None

    def _why(self) -> str:
        return _(self.what)

    @staticmethod
    def _module_of(event: str, frame: types.FrameType, arg: Any) -> str:
        if event == "call":
            return str(frame.f_globals.get("__name__", ""))
        module = getattr(arg, "__module__", None)
        if not module:
            owner = getattr(arg, "__self__", None)
            module = type(owner).__module__ if owner is not None else ""
        return str(module or "")

    def _check_globals(self, frame: types.FrameType) -> None:
        # numpy's ufuncs (np.maximum, np.exp) are not functions: the profile hook
        # never sees them called. Catch the learner's code reading numpy or torch.
        for module, line in _reads(frame.f_code, _IMPORTS):
            if module.split(".")[0] in self.banned + _IMPORTERS:
                where = Location(frame.f_code.co_filename, line)
                self.violations.append(Violation(
                    _("imported {module}: {reason}").format(module=module, reason=self._why()),
                    where,
                ))
                return
        for name, line in _reads(frame.f_code, _GLOBAL_LOADS):
            if name == "__import__":  # __import__("numpy") imports without an import
                where = Location(frame.f_code.co_filename, line)
                self.violations.append(
                    Violation(_("used __import__: {reason}").format(reason=self._why()), where)
                )
                return
            value = frame.f_globals.get(name)
            root = _root(value)
            if value is not None and root in self.banned:
                what = getattr(value, "__name__", name)
                what = what if isinstance(value, types.ModuleType) else f"{root}.{what}"
                where = Location(frame.f_code.co_filename, line)
                self.violations.append(Violation(
                    _("used {name} ({qualified_name}): {reason}").format(
                        name=name, qualified_name=what, reason=self._why()
                    ),
                    where,
                ))
                return

    def _profile(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event not in ("call", "c_call") or self.violations:
            return
        if event == "call" and frame.f_code.co_filename in self.files:
            self._check_globals(frame)
            if self.violations:
                return
        module = self._module_of(event, frame, arg)
        if module.split(".")[0] in self.banned:
            caller = frame.f_back if event == "call" else frame
            where = None
            while caller is not None:
                if caller.f_code.co_filename in self.files:
                    where = Location(caller.f_code.co_filename, caller.f_lineno)
                    break
                caller = caller.f_back
            what = getattr(arg, "__qualname__", None) or frame.f_code.co_name
            self.violations.append(Violation(
                _("called {function}: {reason}").format(
                    function=f"{module}.{what}", reason=self._why()
                ),
                where,
            ))

    def __enter__(self) -> PlainPythonGuard:
        self._previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)

    def check_after(self) -> None:
        if self.violations:
            raise RuleBroken(rule_report(self.function, self.violations[0], self.rules.text))

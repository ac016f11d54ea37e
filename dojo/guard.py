"""Run one learner call under the kata's rules, a CPU-time limit and input checks."""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from dojo import nprules, outcomes, readiness, sentry, show
from dojo.i18n import _
from dojo.outcomes import NotStarted, RuleBroken
from dojo.rules import PlainPythonGuard, RuleMode, RuleSet, at_line

DEFAULT_TIME_LIMIT = 1.0  # seconds of CPU time for one call


@dataclass
class Call:
    """One call of a learner function, remembered for the failure message."""

    function: str
    arguments: dict[str, Any]
    kinds: dict[str, str] = field(default_factory=dict)  # see show.call_code
    depth: int = 0  # 0: called by the test; 1 or more: called by other learner code
    method: bool = False  # a method of a learner class (shown by the test, not as a call)

    def code(self) -> str:
        return show.call_code(self.function, self.arguments, self.kinds)


@dataclass
class TestState:
    """What the guard saw during the current graded test."""

    calls: list[Call] = field(default_factory=list)
    crash: BaseException | None = None
    files: tuple[str, ...] = ()
    devices: readiness.Tally = field(default_factory=readiness.Tally)

    @property
    def last_call(self) -> Call | None:
        """The last function the test itself called: the input a failure shows."""
        for call in reversed(self.calls):
            if call.depth == 0 and not call.method:
                return call
        return None

    def calls_of(self, name: str) -> list[Call]:
        """Every recorded call of `name` ("lin", "Lin.backward"), nested ones included."""
        return [call for call in self.calls if call.function == name]


_state = TestState()
_local = threading.local()  # .depth: how many guarded calls are running in this thread


def _depth() -> int:
    return getattr(_local, "depth", 0)


def current() -> TestState:
    """The state of the graded test now running."""
    return _state


def reset() -> TestState:
    """Start a fresh record for a new test."""
    global _state
    _state = TestState()
    return _state


def cpu_time_limit(seconds: float, function: str) -> contextlib.AbstractContextManager[None]:
    """The per-call time limit on its own (`dojo bench` times learner code with it)."""
    return sentry.time_limit(seconds, function)


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    equal = (a == b) | (a.isnan() & b.isnan()) if a.is_floating_point() else a == b
    return bool(equal.all())


class _Snapshot:
    """Copies of the inputs taken before the call, to name any that changed."""

    def __init__(self, arguments: dict[str, Any]) -> None:
        self.tensors = [
            (path, t, t._version, t.detach().clone())
            for name, value in arguments.items()
            for path, t in readiness.tensors_in(value, name)
        ]
        self.arrays = [
            (path, a, a.copy())
            for name, value in arguments.items()
            for path, a in _arrays_in(value, name)
        ]
        self.plain = {
            name: copy.deepcopy(value)
            for name, value in arguments.items()
            if isinstance(value, (list, dict))
            and not any(True for _item in readiness.tensors_in(value, name))
            and not any(True for _item in _arrays_in(value, name))
        }
        self.arguments = arguments

    def changed(
        self, mode: RuleMode | None, own_name: Callable[[str], str] = lambda name: ""
    ) -> str | None:
        """What the call changed in place; `own_name(name)` is the learner's name for a
        contract parameter, when it differs."""

        def changed_in_place(path: str) -> str:
            own = own_name(path.partition("[")[0])
            if own:
                return _("changed its input `{input}` (your `{own}`) in place").format(
                    input=path, own=own
                )
            return _("changed its input `{input}` in place").format(input=path)

        for path, t, version, before in self.tensors:
            if t._version != version or not _same(t.detach(), before):
                where = mode.write_location(t) if mode is not None else None
                return (
                    changed_in_place(path) + at_line(where) + "\n"
                    + _("A function must not modify its inputs: work on a new tensor "
                        "(for example `x + 1` instead of `x += 1`, or `x.clone()` first).")
                )
        for path, a, before in self.arrays:
            if not np.array_equal(a, before, equal_nan=a.dtype.kind in "fc"):
                return (
                    changed_in_place(path) + "\n"
                    + _("A function must not modify its inputs: work on a new array "
                        "(for example `x + 1` instead of `x += 1`, or `x.copy()` first).")
                )
        for name, original in self.plain.items():
            if self.arguments[name] != original:
                return (
                    changed_in_place(name) + "\n"
                    + _("A function must not modify its inputs: build a new list instead.")
                )
        return None


def _arrays_in(value: Any, name: str) -> Iterator[tuple[str, np.ndarray]]:
    """(path, array) for each NumPy array in an argument: itself, or the items of a
    list or tuple ("x[1]")."""
    if isinstance(value, np.ndarray):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, np.ndarray):
                yield f"{name}[{i}]", item


def _as_given(value: Any) -> Any:
    """A copy of an argument, so a failure shows it as passed even if the call changed it."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True, order="K")
    if isinstance(value, torch.Generator):
        # Not deepcopy: torch.Generator.__reduce__ releases a reference to None it never
        # took, and tens of thousands of copies crash the interpreter.
        twin = torch.Generator(device=value.device)
        twin.set_state(value.get_state())
        return twin
    if isinstance(value, (list, tuple, dict, set)):
        try:
            return copy.deepcopy(value)
        except Exception:  # a container that cannot be copied is shown as it is now
            return value
    return value


_KINDS: dict[inspect._ParameterKind, str] = {
    inspect.Parameter.KEYWORD_ONLY: "keyword",
    inspect.Parameter.VAR_POSITIONAL: "*",
    inspect.Parameter.VAR_KEYWORD: "**",
}


@functools.lru_cache(maxsize=1024)
def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(fn)  # a third of a guarded method call's cost: computed once


def _bind(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    contract: inspect.Signature | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The arguments by parameter name, and how each is passed (see show.call_code).

    Names come from the contract's signature when there is one: a learner may name
    positional parameters freely, the harness always says `a` and `b`. The learner's
    own signature serves only when there is no contract or the call does not fit it.
    """
    def signatures() -> Iterator[inspect.Signature]:
        if contract is not None:
            yield contract
        with contextlib.suppress(TypeError, ValueError):  # a builtin has no signature
            yield _signature(fn)

    for signature in signatures():
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            continue
        kinds = {
            name: _KINDS[signature.parameters[name].kind]
            for name in bound.arguments
            if signature.parameters[name].kind in _KINDS
        }
        return dict(bound.arguments), kinds
    named = {f"arg{i}": a for i, a in enumerate(args)}
    named.update(kwargs)
    return named, {name: "keyword" for name in kwargs}


def _own_name(fn: Callable[..., Any], name: str, contract: inspect.Signature | None) -> str:
    """How a message names the contract parameter `name`: "`a`", or "`a` (your `m1`)"
    when the learner's function calls that positional parameter otherwise."""
    if contract is None or name not in contract.parameters:
        return ""
    if contract.parameters[name].kind not in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD
    ):
        return ""
    try:
        own = list(_signature(fn).parameters.values())
    except (TypeError, ValueError):
        return ""
    index = list(contract.parameters).index(name)
    if index < len(own) and own[index].kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD
    ) and own[index].name != name:
        return own[index].name
    return ""


def guarded(
    fn: Callable[..., Any],
    *,
    kata: str,
    name: str,
    rules: RuleSet,
    files: tuple[str, ...],
    time_limit: float = DEFAULT_TIME_LIMIT,
    method: bool = False,
    contract: inspect.Signature | None = None,
) -> Callable[..., Any]:
    """Wrap a learner function (or method) so every call is checked and remembered.

    Guarded calls may nest (a learner's `Model.backward` calling `Lin.backward`):
    each nested call is recorded and checked against its own rules, inside the
    outer call's rules and CPU-time limit. Arguments are recorded under the names of
    `contract` (see dojo.contract), whatever the learner called them.
    """

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if getattr(_local, "meta_run", False):
            return fn(*args, **kwargs)  # inside a device-readiness run: see check_devices
        state = current()
        state.files = files
        depth = _depth()
        arguments, kinds = _bind(fn, args, kwargs, contract)
        recorded = {k: v if k in ("self", "ctx") else _as_given(v) for k, v in arguments.items()}
        state.calls.append(Call(name, recorded, kinds, depth=depth, method=method))
        if (
            depth == 0 and not rules.plain_python and not rules.numpy
            and not name.endswith(".__init__")
            and state.devices.wanted(name) and readiness.on_cpu_only(args, kwargs)
            and (meta := readiness.plan(fn, args, kwargs, files, method)) is not None
        ):  # device readiness, run once the test has passed (see check_devices)
            state.devices.add(readiness.Pending(
                name, *meta, files=files, time_limit=time_limit, call=state.calls[-1],
            ))
        snapshot = _Snapshot(arguments)
        mode: RuleMode | None = None
        plain: PlainPythonGuard | None = None  # a NumpyGuard for the NumPy track
        # The outermost call installs the limits and protections; nested calls run
        # inside them (see dojo.sentry).
        protections = sentry.Protections(files) if depth == 0 else None
        _local.depth = depth + 1
        try:
            with contextlib.ExitStack() as stack:
                if protections is not None:
                    stack.enter_context(sentry.time_limit(time_limit, name, files))
                    stack.enter_context(protections.active())
                if rules.plain_python:
                    plain = PlainPythonGuard(rules, files=files, function=name)
                    with plain:
                        result = fn(*args, **kwargs)
                elif rules.numpy:
                    plain = nprules.NumpyGuard(
                        rules, files=files, function=name,
                        budget=rules.budget(arguments), floor=rules.floor(arguments),
                    )
                    with plain:
                        result = fn(*nprules.watch(args), **{
                            k: nprules.watch(v) for k, v in kwargs.items()
                        })
                    result = nprules.unwatch(result)
                else:
                    mode = RuleMode(
                        rules,
                        files=files,
                        function=name,
                        budget=rules.budget(arguments),
                        floor=rules.floor(arguments),
                        inputs=[entry[1] for entry in snapshot.tensors],
                    )
                    with mode:
                        result = fn(*args, **kwargs)
        except BaseException as exc:
            _local.depth = depth
            broken = _process_rules_broken(name, protections)  # rules first, always undone
            if broken is not None:
                raise broken from None
            if isinstance(exc, outcomes.Verdict):
                raise
            if isinstance(exc, KeyboardInterrupt):
                if protections is None or protections.real_interrupt:
                    raise  # a real Ctrl-C stops the run (the outermost call decides)
                crash: BaseException = sentry.LearnerInterrupt(
                    _("{function} raised KeyboardInterrupt itself, which would stop the "
                      "whole test run").format(function=name)
                ).with_traceback(exc.__traceback__)
                state.crash = crash
                raise crash from None
            if isinstance(exc, NotImplementedError) and outcomes.is_placeholder(exc):
                raise NotStarted(_not_started(exc, name)) from None
            if isinstance(exc, Exception):
                # Rules first: a forbidden call may be why the code fell over.
                for guard in (mode, plain):
                    if guard is not None and guard.violations:
                        raise RuleBroken(guard_report(guard)) from None
            if isinstance(exc, (Exception, SystemExit)):
                state.crash = exc  # SystemExit: sys.exit(), exit() or os._exit() was called
            raise
        finally:
            _local.depth = depth
        broken = _process_rules_broken(name, protections)
        if broken is not None:
            raise broken
        for guard in (mode, plain):
            if guard is not None:
                guard.check_after()
        changed = snapshot.changed(mode, lambda name: _own_name(fn, name, contract))
        if changed:
            raise RuleBroken(f"{name} {changed}")
        return result

    return call


def check_devices() -> None:
    """Device readiness, once a test has passed: each call kept by the guard runs again
    on meta twins of its inputs (see dojo.readiness), under the same limits. Guarded
    calls inside it run unchecked (the real run checked them; their checks need
    values) and stay out of the test's record. A failure shows the call it found wrong."""
    state = current()
    pending, state.devices.pending = state.devices.pending, []
    for check in pending:
        protections = sentry.Protections(check.files)
        _local.depth, _local.meta_run = 1, True
        try:
            with contextlib.ExitStack() as stack:
                stack.enter_context(sentry.time_limit(check.time_limit, check.name, check.files))
                stack.enter_context(protections.active())
                stack.enter_context(readiness.quiet_records(state.calls))
                found = readiness.check(
                    check.fn, check.args, check.kwargs, name=check.name, files=check.files
                )
        finally:
            _local.depth, _local.meta_run = 0, False
        broken = _process_rules_broken(check.name, protections)
        if broken is not None:
            raise broken
        if found is not None:
            state.calls.append(check.call)  # the input the failure shows
            raise outcomes.NotDeviceReady(readiness.wrong(found))


def _process_rules_broken(
    name: str, protections: sentry.Protections | None
) -> RuleBroken | None:
    """After the outermost call: a thread started or the rules switched off. None for
    nested calls. (Changes to torch, numpy or the dojo are looked for after each test
    and after importing the learner's module: see `integrity_broken`.)"""
    if protections is None:
        return None
    report = protections.report()
    if report is not None:
        return RuleBroken(f"{name} {report}")
    return None


def integrity_broken(name: str) -> RuleBroken | None:
    """Whether learner code replaced part of torch, numpy, builtins or the dojo since
    the baseline; every change is undone, so nothing leaks into later tests."""
    changed = sentry.baseline().changes()
    if changed:
        return RuleBroken(f"{name} {sentry.integrity_report(changed)}")
    return None


def guard_report(guard: RuleMode | PlainPythonGuard) -> str:
    try:
        guard.check_after()
    except RuleBroken as exc:
        return exc.message
    return ""


def _not_started(exc: NotImplementedError, name: str) -> str:
    match = outcomes.PLACEHOLDER.match(str(exc))
    assert match is not None
    reached = match.group("name")
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_next is None:
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    if reached != name:
        if where:
            return _(
                "{function} calls {placeholder}, which still raises NotImplementedError "
                "({location})"
            ).format(function=name, placeholder=reached, location=where)
        return _("{function} calls {placeholder}, which still raises NotImplementedError").format(
            function=name, placeholder=reached
        )
    if where:
        return _("{function} still raises NotImplementedError ({location})").format(
            function=name, location=where
        )
    return _("{function} still raises NotImplementedError").format(function=name)

"""Find and load the implementation of a kata chosen by `--impl`.

Graded tests never import a stub: they get a `Implementation` whose functions
are wrapped by `dojo.guard`, loaded from `katas/` (learner), `reference/`, or
any directory laid out like `katas/`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dojo import contract as contracts
from dojo import course, sentry
from dojo.curriculum import Function, Kata
from dojo.guard import DEFAULT_TIME_LIMIT, guarded
from dojo.i18n import _
from dojo.outcomes import RuleBroken, TooSlow
from dojo.rules import RuleSet

LEARNER = "learner"
REFERENCE = "reference"


class ImplError(Exception):
    """The chosen implementation is missing or cannot be imported."""


class ImportTooSlow(ImplError, TooSlow):
    """The learner's module ran past the time limit while it was imported (an endless
    loop at the top level): "too slow" for every test, raised once and cached by pytest
    as an ordinary exception."""

    def __init__(self, message: str) -> None:
        TooSlow.__init__(self, message)


class ImportRuleBroken(ImplError, RuleBroken):
    """The learner's module broke a rule while it was imported (it replaced part of
    torch, say): "rule broken" for every test."""

    def __init__(self, message: str) -> None:
        RuleBroken.__init__(self, message)


IMPORT_TIME_LIMIT = 3.0  # CPU seconds a learner module's top-level code may take


@dataclass(frozen=True)
class ImplChoice:
    """A validated `--impl` value and where it came from."""

    value: str
    source: str

    def directory(self, katas_dir: Path) -> Path:
        """The folder laid out like `katas/` that holds this implementation."""
        if self.value == LEARNER:
            return katas_dir
        if self.value == REFERENCE:  # beside katas/ in a clone, else the course's own
            return course.reference_dir(katas_dir) or katas_dir.parent / "reference"
        return Path(self.value)

    def describe(self) -> str:
        """How the report header names this implementation, and where it came from
        when that was the environment (so a run can be reproduced)."""
        if self.value in (LEARNER, REFERENCE):
            folder = "katas/" if self.value == LEARNER else "reference/"
            text = f"{self.value} ({folder})"
        else:
            text = str(Path(self.value))
        return text if self.source in ("default", "--impl") else f"{text} from {self.source}"


def choose(value: str | None, source: str) -> ImplChoice:
    """Validate an `--impl` value; the error names the value and its source."""
    if value is None or value == "":
        return ImplChoice(LEARNER, "default")
    if value in (LEARNER, REFERENCE):
        return ImplChoice(value, source)
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ImplError(
            _("invalid --impl {value!r} from {source}: expected 'learner', 'reference' "
              "or a directory laid out like katas/ (no such directory)").format(
                value=value, source=source
            )
        )
    return ImplChoice(str(path.resolve()), source)


def module_path(directory: Path, kata: Kata) -> Path:
    return directory / kata.id / f"{kata.module}.py"


def load_module(path: Path, kata: Kata) -> types.ModuleType:
    """Import the file at `path` under a name unique to that file."""
    if not path.is_file():
        raise ImplError(
            _("no {file} in {directory}: a directory given to --impl must hold {file}").format(
                file=f"{kata.id}/{kata.module}.py", directory=path.parent.parent
            )
        )
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    name = f"_dojo_impl_{digest}_{kata.module}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sentry.baseline()  # torch, numpy and the dojo as they are before any learner code runs
    files = (str(path),)
    protections = sentry.Protections(files)
    try:
        importing = _("importing {file}").format(file=_relative(path))
        with sentry.time_limit(IMPORT_TIME_LIMIT, importing, files), protections.active():
            spec.loader.exec_module(module)
    except TooSlow as exc:
        del sys.modules[name]
        raise ImportTooSlow(
            _("{file} takes too long to import, so none of its functions could be graded: "
              "{error}\nCode at the top level of the file (outside any function) runs on "
              "import: look there.").format(file=_relative(path), error=exc)
        ) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt) and protections.real_interrupt:
            raise
        sys.modules.pop(name, None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
        line = frames[-1].lineno if frames else None
        if isinstance(exc, SyntaxError):
            line = exc.lineno
        what = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, SystemExit):
            what = _(
                "it calls sys.exit({code!r}) (or exit(), os._exit()) at the top level, "
                "which would end the whole test run"
            ).format(code=exc.code)
        if line is None:
            message = _("{file} does not import: {error}").format(
                file=_relative(path), error=what
            )
        else:
            message = _("{file} does not import (line {line}): {error}").format(
                file=_relative(path), line=line, error=what
            )
        raise ImplError(message) from None
    broken = protections.report()
    changed = sentry.baseline().changes()
    if broken is not None or changed:
        what = broken if broken is not None else sentry.integrity_report(changed)
        raise ImportRuleBroken(
            _("{file}, when imported, {problem}").format(file=_relative(path), problem=what)
        )
    return module


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _rules(fn: Function, kata: Kata) -> RuleSet:
    return RuleSet.from_names(
        text=_(fn.rule) if fn.rule else "",  # (gettext of "" is the catalogue's header)
        plain_python=fn.plain_python,
        forbid=fn.forbid,
        require=fn.require,
        max_torch_calls=fn.max_torch_calls,
        min_torch_calls=fn.min_torch_calls,
        numpy=kata.track == "numpy" and not fn.plain_python,
        max_loops=fn.max_loops,
        min_loops=fn.min_loops,
    )


def _time_limit(fn: Function) -> float:
    return DEFAULT_TIME_LIMIT if fn.time_limit is None else fn.time_limit


# Dunder methods of a learner class that run learner code worth guarding.
_GUARDED_DUNDERS = {"__init__", "__call__"}


def guard_class(
    cls: type,
    kata: Kata,
    files: tuple[str, ...],
    default: Function,
    contract: contracts.Signatures | None = None,
) -> None:
    """Guard, in place, every method that the learner's file defines for `cls`.

    In place, so that learner code which builds the class itself (a `Model`
    building `Lin` layers) is checked too, and every call is recorded: a test can
    see which methods ran and in what order. Methods come from each class in the
    MRO defined in the kata's file; each follows the rule of its own class when
    that class is registered, else the rule of `default`. Static methods stay
    static (`torch.autograd.Function.forward`/`backward`). Arguments are named by
    the `contract`'s signature of the method ("Lin.backward") of that registered class.
    """
    contract = contract or {}
    for owner in cls.__mro__:
        if owner.__module__ != cls.__module__ or owner.__dict__.get("_dojo_guarded", False):
            continue
        try:
            entry = kata.function(owner.__name__)
        except KeyError:
            entry = default
        rules = _rules(entry, kata)
        for attr, value in list(vars(owner).items()):
            if attr.startswith("__") and attr not in _GUARDED_DUNDERS:
                continue
            kind = type(value) if isinstance(value, (staticmethod, classmethod)) else None
            raw = value.__func__ if kind is not None else value
            if not isinstance(raw, types.FunctionType):
                continue
            wrapped = guarded(
                raw, kata=kata.id, name=f"{owner.__name__}.{attr}", rules=rules, files=files,
                method=True, time_limit=_time_limit(entry),
                contract=contract.get(f"{entry.name}.{attr}"),
            )
            setattr(owner, attr, kind(wrapped) if kind is not None else wrapped)
        type.__setattr__(owner, "_dojo_guarded", True)


class Implementation:
    """A kata's module with each registered function wrapped by the guard.

    Registered classes are guarded in place when the module is loaded (see
    `guard_class`); registered functions are wrapped when a test asks for them,
    so a learner function calling another runs the callee unwrapped.
    """

    def __init__(
        self,
        kata: Kata,
        module: types.ModuleType,
        path: Path,
        contract: contracts.Signatures | None = None,
    ) -> None:
        self.kata = kata
        self.module = module
        self.path = path
        self.contract = contract or {}
        self._wrapped: dict[str, Any] = {}
        for fn in kata.functions:
            value = getattr(module, fn.name, None)
            if isinstance(value, type):
                guard_class(value, kata, self.files, fn, self.contract)

    @property
    def files(self) -> tuple[str, ...]:
        return (str(self.path),)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._wrapped:
            return self._wrapped[name]
        try:
            value = getattr(self.module, name)
        except AttributeError:
            raise AttributeError(
                _("{file} has no {name}: keep the stub's names and signatures").format(
                    file=_relative(self.path), name=name
                )
            ) from None
        try:
            fn = self.kata.function(name)
        except KeyError:
            return value
        if isinstance(value, types.FunctionType):
            value = guarded(
                value, kata=self.kata.id, name=name, rules=_rules(fn, self.kata), files=self.files,
                time_limit=_time_limit(fn), contract=self.contract.get(name),
            )
        self._wrapped[name] = value
        return value


def load(kata: Kata, choice: ImplChoice, katas_dir: Path) -> Implementation:
    path = module_path(choice.directory(katas_dir), kata)
    contract = contracts.signatures(kata, katas_dir)
    return Implementation(kata, load_module(path, kata), path, contract)


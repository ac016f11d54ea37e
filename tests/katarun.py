"""Run a kata's graded tests in this process (no new interpreter, no second
`import torch`) and collect the verdict of every graded test."""

from __future__ import annotations

import ast
import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from dojo import curriculum, workspace

ROOT = Path(__file__).resolve().parent.parent
KATAS = ROOT / "katas"
REFERENCE = ROOT / "reference"
COURSE = curriculum.load(KATAS / curriculum.REGISTRY_NAME)

FAILING = {"wrong", "crashed", "rule broken", "too slow"}


@dataclass
class KataRun:
    """The outcome of one in-process run of a kata's graded tests."""

    ret: int
    verdicts: dict[str, list[str]]  # test node id -> verdicts
    output: str

    @property
    def all_verdicts(self) -> list[str]:
        return [v for vs in self.verdicts.values() for v in vs]


@functools.cache
def pristine_katas() -> Path:
    """A folder laid out like katas/ with every kata's stub as shipped (see
    dojo.workspace.pristine_source), for the tests that need stubs: in a learner's
    clone, katas/ holds their work."""
    root = Path(tempfile.mkdtemp(prefix="dojo-pristine-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for kata in COURSE.katas:
        target = root / kata.id / f"{kata.module}.py"
        target.parent.mkdir(parents=True)
        target.write_text(workspace.pristine_source(kata), encoding="utf-8")
    return root


def inner_profile() -> str:
    """Derandomized runs for the suite (no flaky mutants), "thorough" when asked."""
    return "thorough" if settings.get_current_profile_name() == "thorough" else "ci"


def run_kata(
    pytester: pytest.Pytester, kata_id: str, impl: str | Path, *extra: str
) -> KataRun:
    result = pytester.runpytest_inprocess(
        str(KATAS / kata_id),
        f"--impl={impl}",  # one argument: a path of its own would move pytest's rootdir
        # search (the common folder of every path argument) away from pyproject.toml
        "--hypothesis-profile", inner_profile(),
        "-p", "no:cacheprovider",
        "--rootdir", str(ROOT),
        *extra,
    )
    verdicts: dict[str, list[str]] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        props = dict(report.user_properties)
        if "dojo_verdict" in props:
            verdicts.setdefault(report.nodeid, []).append(props["dojo_verdict"])
    return KataRun(result.ret, verdicts, "\n".join(result.outlines + result.errlines))


@dataclass(frozen=True)
class Variant:
    """A replacement for one function of a kata: a mutant or a correct alternative."""

    kata: str
    function: str
    name: str  # the definition in the variants file: <function>__<what>
    source: Path
    expected: str | None = None  # a verdict the mutant must get, when it matters

    @property
    def id(self) -> str:
        return f"{self.kata}::{self.name}"

    def build(self, root: Path) -> Path:
        """A directory laid out like katas/ whose kata module is the reference with
        this variant bound to the function's name."""
        kata = COURSE.kata(self.kata)
        reference = (REFERENCE / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
        variants = self.source.read_text(encoding="utf-8")
        target = root / kata.id / f"{kata.module}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            f"{reference}\n\n# --- variants ---\n{variants}\n\n{self.function} = {self.name}\n",
            encoding="utf-8",
        )
        return root


KEEP_NAMES = {"self", "cls"}


def _renamable(args: ast.arguments) -> list[ast.arg]:
    """The parameters a learner may name freely: positional ones without a default
    (`ctx` included), `*args` and `**kwargs`; never `self`."""
    positional = [*args.posonlyargs, *args.args]
    free = positional[: len(positional) - len(args.defaults)]
    free += [a for a in (args.vararg, args.kwarg) if a is not None]
    return [a for a in free if a.arg not in KEEP_NAMES]


def _all_params(args: ast.arguments) -> set[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {a.arg for a in every if a is not None}


def _rename(node: ast.AST, mapping: dict[str, str]) -> None:
    """Rename the free parameters of every function in `node`, and their uses, scope by
    scope (a nested function's own parameters shadow the outer ones)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        for outer in (*args.defaults, *[d for d in args.kw_defaults if d is not None]):
            _rename(outer, mapping)  # evaluated in the enclosing scope
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                _rename(decorator, mapping)
        inner = {k: v for k, v in mapping.items() if k not in _all_params(args)}
        for arg in _renamable(args):
            inner[arg.arg] = arg.arg = f"renamed_{arg.arg}"
        for child in node.body if isinstance(node.body, list) else [node.body]:
            _rename(child, inner)
        return
    if isinstance(node, ast.Name) and node.id in mapping:
        node.id = mapping[node.id]
    for child in ast.iter_child_nodes(node):
        _rename(child, mapping)


def rename_parameters(source: str) -> str:
    """`source` with every parameter a learner may name freely renamed, everywhere it is
    used: `def matmul(a, b)` becomes `def matmul(renamed_a, renamed_b)`, and
    `forward(ctx, i)` becomes `forward(renamed_ctx, renamed_i)`."""
    tree = ast.parse(source)
    _rename(tree, {})
    return ast.unparse(tree)


def renamed_reference(kata_id: str, root: Path) -> Path:
    """A directory laid out like katas/ holding the kata's reference with every freely
    nameable parameter renamed (see `rename_parameters`)."""
    kata = COURSE.kata(kata_id)
    source = (REFERENCE / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
    target = root / kata.id / f"{kata.module}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(rename_parameters(source) + "\n", encoding="utf-8")
    return root


def discover(folder: str) -> list[Variant]:
    """Every `<function>__<what>` definition in tests/<folder>/<kata>.py."""
    found = []
    for path in sorted((ROOT / "tests" / folder).glob("[0-9]*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        expected: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "EXPECTED" for t in node.targets
            ):
                expected = ast.literal_eval(node.value)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and "__" in node.name.strip("_"):
                function = node.name.split("__")[0]
                found.append(Variant(path.stem, function, node.name, path, expected.get(node.name)))
    return found

"""Small projects laid out like this clone, built in a temporary folder, for the tests of
the `dojo` command, watch mode and notebooks: a toy kata, or copies of real katas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dojo import curriculum, workspace

ROOT = Path(__file__).resolve().parent.parent

TOY_REGISTRY = """\
format_version = 1

[[kata]]
id = "01_toy"
module = "toy"
title = "A toy kata"
grade = 1
book = "nowhere"

[[kata.function]]
name = "double"
rule = "no matrix product"
forbid = ["matmul-family"]
hints = ["Twice t is t plus t.", "t * 2 keeps the dtype and the device."]

[[kata.function]]
name = "halve"
hints = ["Divide by two."]

[[kata]]
id = "02_toy_more"
module = "toy_more"
title = "Another toy kata"
grade = 2
book = "nowhere either"

[[kata.function]]
name = "triple"
"""

TOY_STUB = '''\
"""Kata 01_toy."""


def double(t):
    """Twice t.

    t: a tensor. Returns a tensor of the same shape, dtype and device.
    """
    # TODO: your code here
    raise NotImplementedError("kata 01_toy: implement double")


def halve(x):
    """Half of x."""
    # TODO: your code here
    raise NotImplementedError("kata 01_toy: implement halve")
'''

TOY_REFERENCE = '''\
def double(t):
    return t * 2


def halve(x):
    return x / 2
'''

TOY_TESTS = '''\
import torch
from hypothesis import given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds


@graded("double")
@given(t=ds.tensors((3,), dtype=torch.float64))
def test_double_doubles(kata, device, t):
    t = ds.to_device(t, device)
    checks.assert_tensor(kata.double(t), t * 2)


@graded("halve")
@given(x=st.integers(-100, 100))
def test_halve_halves(kata, x):
    checks.assert_number(kata.halve(float(x)), x / 2)
'''

TOY_MORE_STUB = '''\
def triple(x):
    """Three times x."""
    raise NotImplementedError("kata 02_toy_more: implement triple")
'''

TOY_MORE_TESTS = '''\
from hypothesis import given
from hypothesis import strategies as st

from dojo import checks, graded


@graded("triple")
@given(x=st.integers(-100, 100))
def test_triple_triples(kata, x):
    checks.assert_number(kata.triple(float(x)), 3.0 * x)
'''

# Learner versions of the toy's file.
TOY_DONE = TOY_REFERENCE
TOY_WRONG_DOUBLE = "def double(t):\n    return t * 3\n\n\ndef halve(x):\n    return x / 2\n"

PYPROJECT = """\
[tool.pytest.ini_options]
addopts = ["--import-mode=importlib", "--disable-plugin-autoload", "-p", "hypothesispytest",
           "-p", "timeout", "-p", "xdist.plugin", "-p", "xdist.looponfail"]
"""


def _common(root: Path) -> None:
    (root / "conftest.py").write_text('pytest_plugins = ["dojo.plugin"]\n')
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / ".gitignore").write_text(".dojo/\n.hypothesis/\n__pycache__/\n")


def toy(root: Path) -> Path:
    """A project with the two toy katas under `root`."""
    katas = root / "katas"
    for folder in ("01_toy", "02_toy_more"):
        (katas / folder).mkdir(parents=True)
        (root / "reference" / folder).mkdir(parents=True)
    (katas / curriculum.REGISTRY_NAME).write_text(TOY_REGISTRY)
    (katas / "01_toy" / "toy.py").write_text(TOY_STUB)
    (katas / "01_toy" / "test_toy.py").write_text(TOY_TESTS)
    (katas / "02_toy_more" / "toy_more.py").write_text(TOY_MORE_STUB)
    (katas / "02_toy_more" / "test_toy_more.py").write_text(TOY_MORE_TESTS)
    (root / "reference" / "01_toy" / "toy.py").write_text(TOY_REFERENCE)
    (root / "reference" / "02_toy_more" / "toy_more.py").write_text(
        "def triple(x):\n    return 3.0 * x\n"
    )
    _common(root)
    return root


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def registry_text(katas: list[curriculum.Kata]) -> str:
    lines = ["format_version = 1", ""]
    for kata in katas:
        lines.append("[[kata]]")
        for key in ("id", "module", "title", "grade", "book"):
            lines.append(f"{key} = {_toml(getattr(kata, key))}")
        if kata.track != "torch":
            lines.append(f"track = {_toml(kata.track)}")
        for fn in kata.functions:
            lines += ["", "[[kata.function]]", f"name = {_toml(fn.name)}"]
            for key in ("rule", "plain_python", "forbid", "require", "max_torch_calls",
                        "max_loops", "min_loops", "hints"):
                value = getattr(fn, key)
                if value:
                    lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    return "\n".join(lines)


def real(root: Path, kata_ids: list[str], *, solved: tuple[str, ...] = ()) -> Path:
    """A project with copies of real katas (stubs, tests, references); the katas in
    `solved` get the reference as the learner's file."""
    course = curriculum.load(ROOT / "katas" / curriculum.REGISTRY_NAME)
    katas = [course.kata(k) for k in kata_ids]
    (root / "katas").mkdir(parents=True)
    (root / "katas" / curriculum.REGISTRY_NAME).write_text(registry_text(katas))
    for kata in katas:
        shutil.copytree(ROOT / "katas" / kata.id, root / "katas" / kata.id,
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "reference" / kata.id, root / "reference" / kata.id,
                        ignore=shutil.ignore_patterns("__pycache__"))
        # The stub as shipped, never this checkout's working file (a learner's clone
        # holds their solutions there).
        (root / "katas" / kata.id / f"{kata.module}.py").write_text(
            workspace.pristine_source(kata), encoding="utf-8"
        )
        if kata.id in solved:
            shutil.copy(
                root / "reference" / kata.id / f"{kata.module}.py",
                root / "katas" / kata.id / f"{kata.module}.py",
            )
    _common(root)
    return root


GIT_ENV = {
    "GIT_AUTHOR_NAME": "dojo tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "dojo tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git_commit(root: Path, message: str = "katas") -> None:
    """Commit everything under `root` (a new repository if needed)."""
    env = {**os.environ, **GIT_ENV}
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, env=env)


def dojo_env(home: Path | None, **extra: str) -> dict[str, str]:
    """The environment for a `dojo` or `pytest` subprocess: its own state folder
    (`home`; None: the workspace's own `.dojo/`), plain output, none of the outer
    run's dojo or pytest settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DOJO_IMPL", "DOJO_DEVICES", "DOJO_HOME", "HYPOTHESIS_PROFILE", "CI",
                        "FORCE_COLOR") and not k.startswith("PYTEST_")}
    env.update(NO_COLOR="1", COLUMNS="100", PYTHONUNBUFFERED="1", DOJO_DEVICES="cpu")
    if home is not None:
        env.update(DOJO_HOME=str(home), HYPOTHESIS_STORAGE_DIRECTORY=str(home / "hypothesis"))
    env.update(extra)
    return env


def dojo(root: Path, home: Path, *args: str, stdin: str | None = None,
         timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m dojo ARGS` in `root` as a learner would."""
    return subprocess.run(
        [sys.executable, "-m", "dojo", *args], cwd=root, env=dojo_env(home, **env),
        input=stdin if stdin is not None else "", capture_output=True, text=True,
        timeout=timeout,
    )

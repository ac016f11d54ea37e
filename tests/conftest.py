"""Fixtures for the suite's own tests."""

from __future__ import annotations

import itertools
import os
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

# The first torch.optim step imports torch._dynamo, which registers native libraries
# once per process. pytester's in-process runs drop modules they imported, and a
# second import then fails ("Only a single TORCH_LIBRARY ..."): keep it loaded.
import torch._dynamo  # noqa: F401

from dojo import i18n
from dojo.curriculum import Kata
from dojo.loader import load_module

# The suite checks the English messages, whatever the locale of the machine that runs
# it: a learner's LANG=zh_CN.UTF-8 must not turn its checks red. The tests of the
# translations choose their language themselves (tests/test_i18n.py).
os.environ["DOJO_LANG"] = "en"
i18n.language.cache_clear()
i18n.translation.cache_clear()

pytest_plugins = ["pytester"]


class LearnerCode:
    """Writes learner code to real files (so line numbers can be reported) and imports it."""

    KATA = Kata(id="99_test", module="learner", title="harness test", grade=1, book="")

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count = itertools.count()

    def load(self, source: str) -> types.ModuleType:
        path = self.folder / f"impl{next(self._count)}" / self.KATA.id / "learner.py"
        path.parent.mkdir(parents=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return load_module(path, self.KATA)

    @staticmethod
    def files(module: types.ModuleType) -> tuple[str, ...]:
        return (str(module.__file__),)

    @staticmethod
    def line(module: types.ModuleType, text: str) -> int:
        """The number of the first line of `module` that contains `text`."""
        lines = Path(str(module.__file__)).read_text(encoding="utf-8").splitlines()
        return next(i for i, line in enumerate(lines, 1) if text in line)

    def where(self, module: types.ModuleType, text: str) -> str:
        """How a report names that line: `path:line: source`."""
        return f"{module.__file__}:{self.line(module, text)}: {text}"


@pytest.fixture
def learner(tmp_path: Path) -> LearnerCode:
    """Learner code in real files under tmp_path: `learner.load(source)` gives the module."""
    return LearnerCode(tmp_path)


@pytest.fixture
def forget_kata_modules() -> Iterator[None]:
    """In-process runs (`dojo.check`, `notebook.grade`) import graded tests as
    `katas.01_toy.test_toy` and learner modules as `_dojo_*`; other tests build katas
    under the same names: leave no such module behind."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("katas", "_dojo_")):
            del sys.modules[name]

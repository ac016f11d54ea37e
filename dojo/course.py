"""Where the course itself lives: the registry, the katas' stubs, tests and READMEs,
and the reference solutions, as this installed `dojo` carries them.

In a wheel they are package data (`dojo/_course/katas`, `dojo/_course/reference`,
see pyproject.toml); in a clone or a zip download installed with `pip install -e .`
they are the checkout's own `katas/` and `reference/` beside `dojo/`. A learner's
workspace (a clone, or a folder made by `dojo init`) has its own `katas/`, which the
learner edits; the course's copy is what `dojo init` lays out and what `dojo reset`,
`dojo solution` and notebooks fall back on.
"""

from __future__ import annotations

from pathlib import Path

from dojo.curriculum import REGISTRY_NAME, Kata

_HERE = Path(__file__).resolve().parent


def root() -> Path | None:
    """The folder holding the course's `katas/` and `reference/`, or None when this
    `dojo` was installed without them."""
    for candidate in (_HERE / "_course", _HERE.parent):
        if (candidate / "katas" / REGISTRY_NAME).is_file():
            return candidate
    return None


def katas_dir() -> Path | None:
    found = root()
    return None if found is None else found / "katas"


def reference_dir(katas: Path | None = None) -> Path | None:
    """The reference solutions for the katas in `katas` (a folder laid out like
    `katas/`): the `reference/` beside it in a clone, else the course's own."""
    if katas is not None and (katas.parent / "reference").is_dir():
        return katas.parent / "reference"
    found = root()
    return None if found is None else found / "reference"


def reference_file(kata: Kata, katas: Path | None = None) -> Path | None:
    folder = reference_dir(katas)
    return None if folder is None else folder / kata.id / f"{kata.module}.py"


def stub_file(kata: Kata) -> Path | None:
    """The course's copy of a kata's stub (pristine in a wheel; in a checkout it is the
    checkout's own file, which its owner may have edited: see dojo.pristine)."""
    folder = katas_dir()
    return None if folder is None else folder / kata.id / f"{kata.module}.py"

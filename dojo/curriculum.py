"""Read `katas/curriculum.toml`, the registry of katas, functions, rules and hints."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dojo.i18n import _

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FORMAT_VERSION = 1
REGISTRY_NAME = "curriculum.toml"


class RegistryError(Exception):
    """The registry file is missing or malformed."""


@dataclass(frozen=True)
class Function:
    """One graded function (or class) of a kata and the rule it must follow."""

    name: str
    rule: str = ""
    plain_python: bool = False
    forbid: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    max_torch_calls: str | None = None
    min_torch_calls: str | None = None
    max_loops: str | None = None  # NumPy track: Python loop iterations (dojo.nprules)
    min_loops: str | None = None
    hints: tuple[str, ...] = ()
    time_limit: float | None = None  # CPU seconds per call; None: the guard's default


@dataclass(frozen=True)
class Kata:
    """One kata: a folder `katas/<id>/` with `<module>.py` and `test_<module>.py`."""

    id: str
    module: str
    title: str
    grade: int
    book: str
    functions: tuple[Function, ...] = field(default=())
    track: str = "torch"  # "numpy": NumPy only, graded against PyTorch (katas 13-15)

    def function(self, name: str) -> Function:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise KeyError(f"kata {self.id} has no function {name!r} in {REGISTRY_NAME}")


@dataclass(frozen=True)
class Curriculum:
    """All katas in course order, read from one registry file."""

    path: Path
    katas: tuple[Kata, ...]

    @property
    def katas_dir(self) -> Path:
        return self.path.parent

    def kata(self, kata_id: str) -> Kata:
        for kata in self.katas:
            if kata.id == kata_id:
                return kata
        raise KeyError(kata_id)


_FUNCTION_KEYS = {
    "name", "rule", "plain_python", "forbid", "require", "max_torch_calls", "min_torch_calls",
    "max_loops", "min_loops", "hints", "time_limit",
}
_KATA_KEYS = {"id", "module", "title", "grade", "book", "function", "track"}
TRACKS = ("torch", "numpy")


def _function(raw: dict[str, Any], where: str) -> Function:
    unknown = set(raw) - _FUNCTION_KEYS
    if unknown:
        raise RegistryError(
            _("{where}: unknown keys {keys}").format(where=where, keys=sorted(unknown))
        )
    if "name" not in raw:
        raise RegistryError(_("{where}: a function needs a name").format(where=where))
    return Function(
        name=raw["name"],
        rule=raw.get("rule", ""),
        plain_python=bool(raw.get("plain_python", False)),
        forbid=tuple(raw.get("forbid", ())),
        require=tuple(raw.get("require", ())),
        max_torch_calls=raw.get("max_torch_calls"),
        min_torch_calls=raw.get("min_torch_calls"),
        max_loops=raw.get("max_loops"),
        min_loops=raw.get("min_loops"),
        hints=tuple(raw.get("hints", ())),
        time_limit=_time_limit(raw.get("time_limit"), where),
    )


def _time_limit(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise RegistryError(
            _("{where}: time_limit must be a positive number of seconds").format(where=where)
        )
    return float(value)


def load(path: Path) -> Curriculum:
    """Parse the registry at `path`; errors name the file and the entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(_("no registry at {path}").format(path=path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: {exc}") from None
    if data.get("format_version") != FORMAT_VERSION:
        raise RegistryError(
            _("{path}: format_version must be {version}").format(path=path, version=FORMAT_VERSION)
        )
    katas = []
    for i, raw in enumerate(data.get("kata", [])):
        where = _("{file}: kata #{number}").format(file=path.name, number=i + 1)
        unknown = set(raw) - _KATA_KEYS
        if unknown:
            raise RegistryError(
                _("{where}: unknown keys {keys}").format(where=where, keys=sorted(unknown))
            )
        missing = {"id", "module", "title", "grade", "book"} - set(raw)
        if missing:
            raise RegistryError(
                _("{where}: missing {keys}").format(where=where, keys=sorted(missing))
            )
        track = raw.get("track", "torch")
        if track not in TRACKS:
            raise RegistryError(
                _("{where}: track must be one of {tracks}").format(
                    where=where, tracks=", ".join(TRACKS)
                )
            )
        functions = tuple(
            _function(f, _("{where} ({kata}), function #{number}").format(
                where=where, kata=raw["id"], number=j + 1
            ))
            for j, f in enumerate(raw.get("function", []))
        )
        katas.append(
            Kata(
                id=raw["id"],
                module=raw["module"],
                title=raw["title"],
                grade=int(raw["grade"]),
                book=raw["book"],
                functions=functions,
                track=track,
            )
        )
    return Curriculum(path=path, katas=tuple(katas))


_cache: dict[Path, tuple[float, Curriculum]] = {}


def load_cached(path: Path) -> Curriculum:
    """`load`, re-read only when the file changed."""
    path = path.resolve()
    mtime = path.stat().st_mtime
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        _cache[path] = (mtime, load(path))
    return _cache[path][1]


def find_root(start: Path) -> Path | None:
    """The project root above `start`: the folder holding `katas/curriculum.toml`."""
    for folder in (start, *start.parents):
        if (folder / "katas" / REGISTRY_NAME).is_file():
            return folder
    return None


# The registry's words a learner reads, for Babel's extraction (see `babel.cfg`): they
# are translated where they are shown (`_(kata.title)`, `_(fn.rule)`, `_(hint)`).
TRANSLATED_KEYS = {"kata": ("title", "book"), "function": ("rule", "hints")}


def extract_messages(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """A Babel extractor for `curriculum.toml`: every title, book section, rule and
    hint, with the line it starts on and the kata/function it belongs to."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()

    def line_of(message: str) -> int:
        needle = message.replace("\\", "\\\\").replace('"', '\\"')[:60]
        return next((n for n, line in enumerate(lines, 1) if needle in line), 0)

    for kata in data.get("kata", []):
        for key in TRANSLATED_KEYS["kata"]:
            if kata.get(key):
                yield line_of(kata[key]), None, kata[key], [f"{kata['id']}: {key}"]
        for fn in kata.get("function", []):
            where = f"{kata['id']}.{fn['name']}"
            messages = [("rule", fn.get("rule", ""))] + [("hint", h) for h in fn.get("hints", ())]
            for key, message in messages:
                if message:
                    yield line_of(message), None, message, [f"{where}: {key}"]

"""The `dojo` command: list the katas and grade one (more commands to come)."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

from dojo import __version__, curriculum


class CliError(Exception):
    """A one-line error for the user: exit code 2."""


def _course() -> curriculum.Curriculum:
    root = curriculum.find_root(Path.cwd())
    if root is None:
        raise CliError(
            "no katas/curriculum.toml here or above: "
            "run dojo inside your clone of foundations-katas"
        )
    try:
        return curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    except curriculum.RegistryError as exc:
        raise CliError(str(exc)) from None


def find_kata(course: curriculum.Curriculum, name: str) -> curriculum.Kata:
    """A kata by id ("03_broadcasting"), number ("03", "3") or topic ("broadcasting")."""
    for kata in course.katas:
        number, _, topic = kata.id.partition("_")
        if name in (kata.id, topic, kata.module) or (name.isdigit() and int(name) == int(number)):
            return kata
    ids = [k.id for k in course.katas]
    close = difflib.get_close_matches(name, ids + [k.id.partition("_")[2] for k in course.katas], 1)
    suggestion = f"; did you mean {close[0]!r}?" if close else f"; katas: {', '.join(ids)}"
    raise CliError(f"unknown kata {name!r}{suggestion}")


def cmd_list(args: argparse.Namespace) -> int:
    course = _course()
    for kata in course.katas:
        functions = ", ".join(f.name for f in kata.functions)
        print(f"{kata.id:<22} grade {kata.grade}  {kata.title}")
        print(f"{'':<22} {functions}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import pytest

    course = _course()
    kata = find_kata(course, args.kata)
    argv = [str(course.katas_dir / kata.id)]
    if args.impl:
        argv += ["--impl", args.impl]
    return int(pytest.main(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dojo", description="Practise chapter 17 of Deep Learning for Coders, kata by kata."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list the katas in course order").set_defaults(run=cmd_list)
    check = sub.add_parser("check", help="grade one kata (same as pytest katas/NN_name)")
    check.add_argument("kata", help="kata id, number or topic: 03_broadcasting, 3, broadcasting")
    check.add_argument("--impl", help="learner (default), reference, or a directory like katas/")
    check.set_defaults(run=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", cmd_list)
    try:
        return int(run(args))
    except CliError as exc:
        print(f"dojo: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `dojo list | head`: the reader left, nothing to report
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The `dojo` command: a workspace anywhere (init), where you are, what next, hints,
grading, watch mode, reset and restore (backups of your file), solutions and the
speed ladder.

Exit codes: 0 done, 1 the thing asked for failed (tests failed, solution locked, a
file missing), 2 a bad command line (unknown kata, bad number), 130 interrupted.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dojo import __version__, course, curriculum, progress, term

if TYPE_CHECKING:
    from dojo.pristine import Backup

USAGE = 2
FAILED = 1


class CliError(Exception):
    """A one-line error for the user, with its exit code (2: a bad command line)."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line gets one line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class Project:
    """The clone the command runs in: its root, registry and recorded progress."""

    def __init__(self, root: Path, course: curriculum.Curriculum) -> None:
        self.root = root
        self.course = course
        self._told = False

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        root = curriculum.find_root(start or Path.cwd())
        if root is None:
            raise CliError(
                "no katas/curriculum.toml here or above: run dojo inside your workspace "
                "(a clone of foundations-katas, or a folder made by `dojo init`)", FAILED,
            )
        try:
            course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
        except curriculum.RegistryError as exc:
            raise CliError(str(exc), FAILED) from None
        return cls(root, course)

    def record(self) -> progress.Record:
        """The recorded progress; a corrupted record is moved aside and said once, on
        stderr, in one line (the command goes on: the record is only a cache)."""
        record = progress.read(self.root)
        line = progress.notice(self.root, record, "your next run rebuilds it (dojo check)")
        if line and not self._told:
            self._told = True
            print(line, file=sys.stderr, flush=True)
        return record

    def statuses(self) -> list[progress.KataStatus]:
        return progress.statuses(self.course, self.record())

    def status(self, kata: curriculum.Kata) -> progress.KataStatus:
        return next(s for s in self.statuses() if s.kata.id == kata.id)

    def stub(self, kata: curriculum.Kata) -> Path:
        return progress.stub_path(self.root, kata)

    def shown(self, path: Path) -> str:
        """`path` as the learner would type it from the current folder."""
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def require_stub(self, kata: curriculum.Kata) -> Path:
        stub = self.stub(kata)
        if not stub.is_file():
            raise CliError(
                f"{self.shown(stub)} is missing: `dojo reset {kata.id}` restores the stub",
                FAILED,
            )
        return stub

    def current(self, name: str | None) -> curriculum.Kata:
        """The kata named on the command line, else the first one not done."""
        if name is not None:
            return find_kata(self.course, name)
        found = progress.current_kata(self.statuses())
        if found is None:
            raise CliError("the curriculum lists no katas", FAILED)
        return found.kata


def find_kata(course: curriculum.Curriculum, name: str) -> curriculum.Kata:
    """A kata by id ("03_broadcasting"), number ("03", "3") or topic ("broadcasting")."""
    wanted = name.strip().lower()
    for kata in course.katas:
        number, _, topic = kata.id.partition("_")
        if wanted in (kata.id.lower(), topic.lower(), kata.module.lower()):
            return kata
        if wanted.isdigit() and number.isdigit() and int(wanted) == int(number):
            return kata
    ids = [k.id for k in course.katas]
    if not ids:
        raise CliError("the curriculum lists no katas", FAILED)
    if wanted.isdigit():
        raise CliError(
            f"no kata number {name}: the katas run from {ids[0]} to {ids[-1]} (dojo list)"
        )
    names = {k.id.partition("_")[2]: k.id for k in course.katas}
    names.update({k.id: k.id for k in course.katas})
    close = difflib.get_close_matches(wanted, list(names), 1, cutoff=0.5)
    if close:
        raise CliError(f"unknown kata {name!r}: did you mean {names[close[0]]!r}?")
    raise CliError(f"unknown kata {name!r}: the katas are {', '.join(ids)}")


# --- status and next ---------------------------------------------------------------------


def cmd_status(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    record = project.record()
    found = progress.statuses(project.course, record)
    table = Table(box=None, pad_edge=False, header_style="bold")
    id_width = max((len(k.id) for k in project.course.katas), default=4)
    # kata, grade, passed and state keep their width; the title takes what is left
    title_width = max(12, con.width - (id_width + 5 + 6 + 11) - 2 * 4)
    table.add_column("kata", no_wrap=True, min_width=id_width)
    table.add_column("grade", justify="right", no_wrap=True, min_width=5)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=title_width)
    table.add_column("passed", justify="right", no_wrap=True, min_width=6)
    table.add_column("state", no_wrap=True, min_width=11)
    edited_any = False
    for status in found:
        folder = project.root / "katas" / status.kata.id
        passed = f"{status.passed}/{status.total}" + ("*" if status.edited else "")
        edited_any |= status.edited
        state = Text(status.state, style=term.STATE_STYLES.get(status.state, ""))
        if not folder.is_dir():
            state = Text("missing", style="red")
        table.add_row(status.kata.id, str(status.kata.grade), status.kata.title, passed, state)
    con.print(table)
    con.print()
    total = sum(s.total for s in found)
    passed_all = sum(s.passed for s in found)
    done = sum(s.state == progress.DONE for s in found)
    line = Text("Progress ")
    line.append_text(term.bar(passed_all, total, 30, con))
    line.append(f" {passed_all}/{total} functions, {done} of {len(found)} katas done")
    con.print(line)
    if record.problem == "missing":
        con.print(
            "No results recorded yet: run the tests (dojo check, or pytest katas/NN_name) "
            "and your progress shows here."
        )
    elif record.problem and not record.corrupted:  # a corrupted one: Project.record said so
        con.print(
            f"The record {project.shown(progress.record_path(project.root))} is "
            f"{record.problem}: run the tests again (dojo check) and it is rebuilt."
        )
    if edited_any:
        con.print("* your file changed since these results: dojo check updates them.")
    step = progress.next_step(found)
    if step is None:
        con.print(Text("Every kata passes. dojo bench times your matmuls against torch's @.",
                       style="green"))
        return 0
    status, fn = step
    con.print(
        Text.assemble(
            ("Next: ", "bold"), f"{project.shown(project.stub(status.kata))}, ",
            (f"`{fn.name}`", "bold"),
            f" (last run: {status.verdicts.get(fn.name) or 'not run yet'})",
        )
    )
    return 0


def _definition(stub: Path | str, name: str) -> tuple[str, str | None] | None:
    """The `def`/`class` line of `name` in the learner's file (or in source text) and
    its docstring."""
    try:
        source = stub if isinstance(stub, str) else stub.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
            return f"def {name}({ast.unparse(node.args)}){returns}:", ast.get_docstring(node)
        if isinstance(node, ast.ClassDef) and node.name == name:
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            return f"class {name}({bases}):" if bases else f"class {name}:", ast.get_docstring(
                node
            )
    return None


def _readme_section(readme: Path, name: str) -> str | None:
    """The text of the kata README's section on `name` ("### `name(...)`"), if any."""
    try:
        lines = readme.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return None
    for i, line in enumerate(lines):
        heading = line.lstrip("#").strip().strip("`")
        if line.startswith("#") and (heading == name or heading.startswith(f"{name}(")):
            body = []
            for text in lines[i + 1:]:
                if text.startswith("#"):
                    break
                body.append(text)
            section = "\n".join(body).strip()
            return section or None
    return None


def _original_docstring(project: Project, kata: curriculum.Kata, name: str) -> str | None:
    """The docstring the kata gives `name`, for a learner's file that lost it: the
    pristine stub's (from git history), else the reference's, else the README's
    section on it."""
    from dojo import pristine

    with contextlib.suppress(pristine.ResetError):
        found = _definition(pristine.pristine_stub(project.root, kata).source, name)
        if found is not None and found[1]:
            return found[1]
    reference = course.reference_file(kata, project.root / "katas")
    found = _definition(reference, name) if reference and reference.is_file() else None
    if found is not None and found[1]:
        return found[1]
    return _readme_section(project.root / "katas" / kata.id / "README.md", name)


def _last_run(status: progress.KataStatus, name: str) -> Text:
    """`wrong`, `wrong, before your latest changes`, `passed, in a notebook`."""
    verdict = term.verdict_text(status.verdicts.get(name))
    if name in status.changed:
        return Text.assemble(verdict, ", before your latest changes")
    if name in status.in_notebook:
        return Text.assemble(verdict, ", in a notebook")
    return verdict


def cmd_next(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    step = progress.next_step(project.statuses())
    if step is None:
        con.print(Text("Every kata passes: nothing left to do. dojo bench times your matmuls.",
                       style="green"))
        return 0
    status, fn = step
    stub = project.stub(status.kata)
    con.print(Text.assemble(
        ("Next: ", "bold"), f"{status.kata.id}, ", (fn.name, "bold"), " (last run: ",
        _last_run(status, fn.name), ")",
    ))
    con.print(Text.assemble("Open ", (project.shown(stub), "bold")))
    con.print()
    found = _definition(stub, fn.name) if stub.is_file() else None
    if not stub.is_file():
        con.print(f"{project.shown(stub)} is missing: dojo reset {status.kata.id} restores it.")
    elif found is None:
        con.print(f"({fn.name} is not defined in your file, or the file does not parse)")
    else:
        signature, doc = found
        con.print(Text(signature, style="cyan"), soft_wrap=True)
        if not doc:
            doc = _original_docstring(project, status.kata, fn.name)
            if doc:
                con.print(Text("    (your file has no docstring here: this is the kata's)",
                               style="dim"), soft_wrap=True)
        for line in (doc or "(no docstring)").splitlines():
            con.print(Text("    " + line if line else ""), soft_wrap=True)
    if fn.rule:
        con.print()
        con.print(Text.assemble(("Rule: ", "bold"), fn.rule))
    con.print()
    con.print(
        f"Then: dojo check {status.kata.id} (or dojo watch {status.kata.id}); "
        f"stuck? dojo hint {status.kata.id}"
    )
    return 0


def cmd_list(args: argparse.Namespace, con: Console) -> int:
    course = Project.find().course
    for kata in course.katas:
        functions = ", ".join(f.name for f in kata.functions)
        con.print(f"{kata.id:<22} grade {kata.grade}  {kata.title}")
        con.print(f"{'':<22} {functions}")
    return 0


# --- grading ------------------------------------------------------------------------------


def pytest_args(project: Project, kata: curriculum.Kata, args: argparse.Namespace) -> list[str]:
    argv = [str(project.root / "katas" / kata.id), "-p", "dojo.plugin"]
    if getattr(args, "impl", None):
        # one argument: a folder given on its own would count as a path to test, and
        # move pytest's search for the workspace's settings (pytest.ini, pyproject)
        argv.append(f"--impl={args.impl}")
    for name in getattr(args, "function", None) or []:
        if name not in {f.name for f in kata.functions}:
            names = ", ".join(f.name for f in kata.functions)
            raise CliError(f"{kata.id} has no function {name!r}: its functions are {names}")
        argv += ["--function", name]
    return argv


def cmd_check(args: argparse.Namespace, con: Console) -> int:
    import pytest

    project = Project.find()
    kata = project.current(args.kata)
    folder = project.root / "katas" / kata.id
    if not folder.is_dir():
        raise CliError(
            f"{project.shown(folder)} is missing, and its graded tests with it: restore the "
            f"folder from your clone (git checkout -- katas/{kata.id})", FAILED,
        )
    if not args.impl or args.impl == "learner":
        project.require_stub(kata)
    elif args.impl != "reference" and not Path(args.impl).expanduser().is_dir():
        raise CliError(
            f"bad --impl {args.impl!r}: expected learner, reference or a directory laid out "
            "like katas/ (no such directory)"
        )
    argv = pytest_args(project, kata, args)
    con.print(Text(f"dojo check {kata.id}: {kata.title}", style="bold"))
    sys.stdout.flush()
    from dojo.runner import CtrlC

    ctrl_c = CtrlC()
    code = int(pytest.main(argv, plugins=[ctrl_c]))
    if ctrl_c.seen:  # pytest caught it and said so: exit as for any Ctrl-C
        raise KeyboardInterrupt
    return code


def cmd_watch(args: argparse.Namespace, con: Console) -> int:
    from dojo import watch

    project = Project.find()
    kata = project.current(args.kata)
    stub = project.require_stub(kata)
    if args.max_runs is not None and args.max_runs < 1:
        raise CliError(f"--max-runs must be 1 or more, not {args.max_runs}")
    return watch.Watcher(project.root, kata, stub, con, poll=args.poll).run(args.max_runs)


# --- hints, reset, solution ---------------------------------------------------------------


def cmd_hint(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    kata = find_kata(project.course, args.kata)
    status = project.status(kata)
    if args.function:
        try:
            fn = kata.function(args.function)
        except KeyError:
            names = ", ".join(f.name for f in kata.functions)
            raise CliError(
                f"{kata.id} has no function {args.function!r}: its functions are {names}"
            ) from None
    else:
        current = status.current
        if current is None:
            first = kata.functions[0].name if kata.functions else "NAME"
            con.print(f"{kata.id} passes: every function is done. "
                      f"dojo hint {kata.id} --function {first} shows the hints of one of "
                      "them.")
            return 0
        fn = current
    text, number = next_hint(project, kata, fn, args.number, named=bool(args.function))
    con.print(text)
    return 0 if number is not None or args.number is None else FAILED


def next_hint(
    project: Project, kata: curriculum.Kata, fn: curriculum.Function, number: int | None,
    *, named: bool = False,
) -> tuple[Text, int | None]:
    """Hint `number` of `fn`, or the next one not yet shown; records how many were shown.
    `named`: `fn` was chosen with --function, so the commands suggested name it too
    (without it they would give the hints of the kata's current function)."""
    hints = fn.hints
    if not hints:
        return Text(f"{fn.name} has no hints yet: its docstring and the kata's README "
                    "explain what it must do."), None
    command = f"dojo hint {kata.id}"
    option = f" --function {fn.name}" if named else ""
    shown = progress.hints_shown(project.record(), kata.id, fn.name)
    if number is None:
        if shown >= len(hints):
            return Text(
                f"No more hints for {fn.name}: all {len(hints)} shown. "
                f"{command}{option} N shows hint N again."
            ), None
        number = shown + 1
    elif not 1 <= number <= len(hints):
        plural = "hint" if len(hints) == 1 else f"hints, numbered 1 to {len(hints)}"
        raise CliError(f"{fn.name} has {len(hints)} {plural}, so there is no hint {number}")
    with contextlib.suppress(OSError):  # the hint still shows; only the count is lost
        progress.set_hints_shown(project.root, kata.id, fn.name, max(shown, number))
    text = Text.assemble((f"{kata.id}, {fn.name}: hint {number} of {len(hints)}", "bold"), "\n")
    text.append(hints[number - 1])
    if number < len(hints):
        text.append(f"\n({command}{option} again for the next one)", style="dim")
    else:
        text.append("\n(that was the last hint)", style="dim")
    return text, number


def cmd_reset(args: argparse.Namespace, con: Console) -> int:
    from dojo import pristine

    project = Project.find()
    kata = find_kata(project.course, args.kata)
    backups = backups_dir(project)
    try:
        result = pristine.reset(project.root, kata, backups)
    except pristine.ResetError as exc:
        raise CliError(str(exc), FAILED) from None
    except OSError as exc:
        raise CliError(f"nothing was reset: {exc}", FAILED) from None
    stub = project.shown(result.stub)
    if result.already_pristine:
        con.print(f"{stub} is already the pristine stub: nothing to do.")
        return 0
    if result.backup is not None:
        con.print(Text.assemble("Saved your file to ", (project.shown(result.backup), "bold"),
                                f" (dojo restore {kata.id} puts it back)"))
    con.print(f"Restored the pristine stub {stub} (from {result.origin}).")
    if kata.id in project.record().katas:
        with contextlib.suppress(OSError):  # the stub is back; only the old verdicts stay
            progress.forget(project.root, kata.id)
    return 0


def backups_dir(project: Project) -> Path:
    """Where `dojo reset` and `dojo restore` keep the learner's files, by kata."""
    return progress.state_dir(project.root) / "backups"


def _backup_label(backup: Backup) -> str:
    saved = f", {backup.saved:%Y-%m-%d %H:%M:%S}" if backup.saved else ""
    return f"backup {backup.number} ({backup.path.name}{saved})"


def cmd_restore(args: argparse.Namespace, con: Console) -> int:
    from dojo import pristine

    project = Project.find()
    kata = find_kata(project.course, args.kata)
    if args.list and args.backup is not None:
        raise CliError(f"give a BACKUP to restore or --list, not both: dojo restore {kata.id} "
                       f"--list, then dojo restore {kata.id} N")
    folder = backups_dir(project)
    try:
        found = pristine.backups(folder, kata)
    except OSError as exc:
        raise CliError(f"cannot read the backups in {project.shown(folder)}: {exc}", FAILED
                       ) from None
    where = project.shown(folder / kata.id)
    if not found:
        message = (f"no backups of {kata.id} in {where} yet: dojo reset {kata.id} saves "
                   "your file there before it restores the stub")
        if args.list:
            con.print(message[0].upper() + message[1:] + ".")
            return 0
        raise CliError(message, FAILED)
    if args.list:
        return _list_backups(project, kata, found, con)
    backup = pristine.choose_backup(found, args.backup)
    if backup is None:
        numbers = "1" if len(found) == 1 else f"1 to {len(found)}"
        raise CliError(
            f"no backup {args.backup!r} of {kata.id}: give a number ({numbers}) or a file "
            f"name from dojo restore {kata.id} --list"
        )
    try:
        result = pristine.restore(project.root, kata, folder, backup)
    except pristine.ResetError as exc:
        raise CliError(str(exc), FAILED) from None
    except OSError as exc:
        raise CliError(f"nothing was restored: {exc}", FAILED) from None
    stub = project.shown(result.stub)
    if result.unchanged:
        con.print(f"{stub} is already {_backup_label(backup)}: nothing to do.")
        return 0
    if result.saved is not None:
        con.print(Text.assemble("Saved your file to ", (project.shown(result.saved), "bold")))
    elif result.already_saved is not None:
        con.print(f"Your file was saved already, as {_backup_label(result.already_saved)}.")
    con.print(f"Restored {stub} from {_backup_label(backup)}.")
    con.print(f"dojo check {kata.id} grades it.")
    return 0


def _list_backups(
    project: Project, kata: curriculum.Kata, found: list[Backup], con: Console
) -> int:
    stub = project.stub(kata)
    try:
        current = stub.read_bytes() if stub.is_file() else None
    except OSError:
        current = None
    con.print(f"Backups of {kata.id} in {project.shown(found[0].path.parent)}, oldest first:")
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column("N", justify="right", no_wrap=True)
    table.add_column("file", no_wrap=True)
    table.add_column("saved", no_wrap=True)
    table.add_column("lines", justify="right", no_wrap=True)
    table.add_column("note", no_wrap=True)
    for backup in found:
        try:
            data = backup.path.read_bytes()
        except OSError as exc:
            lines, notes = "unreadable", [exc.strerror or type(exc).__name__]
        else:
            count = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
            lines, notes = f"{count} line{'' if count == 1 else 's'}", []
            if data == current:
                notes.append("the same as your file")
        if backup is found[-1]:
            notes.insert(0, "latest")
        saved = f"{backup.saved:%Y-%m-%d %H:%M:%S}" if backup.saved else ""
        table.add_row(str(backup.number), backup.path.name, saved, lines, ", ".join(notes))
    con.print(table)
    con.print(f"dojo restore {kata.id} N puts backup N back (without N: the latest); your "
              "file is saved first.")
    return 0


def _confirm(question: str, con: Console) -> bool:
    con.print(question, end="")
    con.file.flush()
    answer = sys.stdin.readline()
    if not answer:
        con.print()
    return answer.strip().lower() in ("y", "yes")


def print_source(source: str, con: Console) -> None:
    """Python source exactly as it is, whatever the width: never wrapped (a wrapped line
    is broken code once pasted or redirected to a file). Highlighted on a colour
    terminal, where a line wider than the window is the terminal's to fold."""
    if not source.endswith("\n"):
        source += "\n"
    if con.is_terminal and not con.no_color and "\t" not in source:  # rich expands tabs
        from rich.syntax import Syntax

        text = Syntax(source, "python", theme="ansi_dark", background_color="default"
                      ).highlight(source)
        con.print(text, soft_wrap=True, end="")
    else:
        con.file.write(source)
        con.file.flush()


def cmd_init(args: argparse.Namespace, con: Console) -> int:
    from dojo import workspace

    target = Path(args.folder).expanduser()
    try:
        result = workspace.init(target)
    except workspace.InitError as exc:
        raise CliError(str(exc), FAILED) from None
    katas = sum(1 for p in result.written if p.name.startswith("test_"))
    if result.written:
        con.print(f"Wrote {len(result.written)} files in {target}: "
                  f"{katas} katas in katas/, conftest.py and pytest.ini.")
    for path in result.kept:
        con.print(f"Kept your {path} (it differs from the course's; dojo reset KATA "
                  "restores a stub).")
    if not result.written and not result.kept:
        con.print(f"{target} already holds every file of a workspace: nothing to do.")
    go = "" if target.resolve() == Path.cwd().resolve() else f"cd {target}, then "
    con.print(f"Next: {go}pytest katas/01_neuron (the first run is meant to say \"not "
              "started\"), or dojo next.")
    return 0


def cmd_solution(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    kata = find_kata(project.course, args.kata)
    reference = course.reference_file(kata, project.root / "katas")
    if reference is None or not reference.is_file():
        where = project.root / "reference" if reference is None else reference
        raise CliError(f"there is no reference solution at {project.shown(where)}", FAILED)
    status = project.status(kata)
    # Everything but the solution goes to stderr: `dojo solution 4 > x.py` is code.
    err = term.console(sys.stderr)
    if status.state != progress.DONE:
        if not args.force:
            err.print(
                f"The solution of {kata.id} opens once your code passes: "
                f"{status.passed}/{status.total} functions pass in your last run. "
                f"Finish it (dojo check {kata.id}), or dojo solution {kata.id} --force."
            )
            return FAILED
        if not _confirm(
            f"{kata.id} does not pass yet ({status.passed}/{status.total}). Reading the "
            "solution first spoils the kata. Show it anyway? [y/N] ", err
        ):
            err.print("Not shown.")
            return FAILED
    try:
        source = reference.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {project.shown(reference)}: {exc}", FAILED) from None
    con.print(Text(f"# {project.shown(reference)}", style="bold"), soft_wrap=True)
    print_source(source, con)
    return 0


BENCH_MAX_NUMBERS = 10**8  # 400 MB of float32 per matrix


def cmd_bench(args: argparse.Namespace, con: Console) -> int:
    from dojo import bench

    project = Project.find()
    try:
        shape = bench.parse_shape(args.shape)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    m, k, n = shape
    if max(m * k, k * n, m * n) > BENCH_MAX_NUMBERS:
        raise CliError(
            f"bad --shape {args.shape!r}: a matrix of more than {BENCH_MAX_NUMBERS:,} numbers "
            "is more than this speed ladder needs (the book's is 5,784,10)"
        )
    try:
        rows = bench.run(project.root, project.course, shape)
    except (MemoryError, RuntimeError) as exc:  # torch could not allocate the matrices
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(f"dojo bench --shape {args.shape}: {first}", FAILED) from None
    bench.show(rows, shape, con)
    return 0


# --- the command line ------------------------------------------------------------------------


KATA_HELP = "kata id, number or topic: 03_broadcasting, 3 or broadcasting"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="dojo",
        description="Practise chapter 17 of Deep Learning for Coders, kata by kata. "
        "Without a command: dojo status.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("status", help="the curriculum, your progress and the next step").set_defaults(
        run=cmd_status
    )
    sub.add_parser("next", help="the first unfinished function: its docstring and file"
                   ).set_defaults(run=cmd_next)
    sub.add_parser("list", help="the katas in course order and their functions").set_defaults(
        run=cmd_list
    )

    check = sub.add_parser("check", help="grade one kata (default: the current one)")
    check.add_argument("kata", nargs="?", help=KATA_HELP)
    check.add_argument("--impl", help="learner (default), reference, or a directory like katas/")
    check.add_argument("--function", action="append", metavar="NAME",
                       help="grade only this function (repeatable)")
    check.set_defaults(run=cmd_check)

    watch = sub.add_parser("watch", help="re-grade the kata every time you save its file")
    watch.add_argument("kata", nargs="?", help=KATA_HELP)
    watch.add_argument("--poll", action="store_true",
                       help="check the file for changes every 0.2 s instead of file events")
    watch.add_argument("--max-runs", type=int, metavar="N",
                       help="stop after N runs (for scripts and tests)")
    watch.set_defaults(run=cmd_watch)

    hint = sub.add_parser("hint", help="the next hint for the current function of a kata")
    hint.add_argument("kata", help=KATA_HELP)
    hint.add_argument("number", nargs="?", type=int, metavar="N", help="show hint N")
    hint.add_argument("--function", metavar="NAME", help="a function other than the current one")
    hint.set_defaults(run=cmd_hint)

    reset = sub.add_parser("reset", help="back up your file, then restore the pristine stub")
    reset.add_argument("kata", help=KATA_HELP)
    reset.set_defaults(run=cmd_reset)

    restore = sub.add_parser(
        "restore", help="put back a file that dojo reset (or restore) saved",
        description="Put back a backup of your file, saved by dojo reset (or dojo restore) "
        "in .dojo/backups/KATA/. Your file is saved first, so nothing you wrote is lost.",
    )
    restore.add_argument("kata", help=KATA_HELP)
    restore.add_argument("backup", nargs="?", metavar="BACKUP",
                         help="a number or file name from --list (default: the latest)")
    restore.add_argument("--list", action="store_true",
                         help="list the kata's backups, numbered, oldest first")
    restore.set_defaults(run=cmd_restore)

    init = sub.add_parser(
        "init", help="lay out a workspace of katas in a folder (default: here)",
        description="Lay out a workspace in FOLDER: katas/ (every kata's README, stub and "
        "tests), conftest.py and pytest.ini. A file already there is never overwritten.",
    )
    init.add_argument("folder", nargs="?", default=".", metavar="FOLDER",
                      help="where to lay it out (made if missing; default: .)")
    init.set_defaults(run=cmd_init)

    solution = sub.add_parser("solution", help="the reference solution, once your kata passes")
    solution.add_argument("kata", help=KATA_HELP)
    solution.add_argument("--force", action="store_true",
                          help="show it before the kata passes (asks first)")
    solution.set_defaults(run=cmd_solution)

    bench = sub.add_parser("bench", help="the chapter's speed ladder, timed on your functions")
    bench.add_argument("--shape", default="5,784,10", metavar="M,K,N",
                       help="multiply (M, K) by (K, N); default: the book's 5,784,10")
    bench.set_defaults(run=cmd_bench)
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """parse_args, except that `dojo hint KATA --function NAME N` works too: argparse
    leaves an optional positional that comes after an option unparsed."""
    args, extras = parser.parse_known_args(argv)
    if (
        len(extras) == 1 and getattr(args, "run", None) is cmd_hint
        and args.number is None and args.function is not None
    ):
        try:
            args.number = int(extras[0])
        except ValueError:
            parser.exit(USAGE, f"dojo hint: error: argument N: invalid int value: "
                               f"{extras[0]!r} (see dojo hint --help)\n")
        extras = []
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse(parser, argv)
    run = getattr(args, "run", cmd_status)
    for stream in (sys.stdout, sys.stderr):  # an ASCII terminal shows "?", never a crash
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    con = term.console()
    try:
        return int(run(args, con))
    except CliError as exc:
        print(f"dojo: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dojo list | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

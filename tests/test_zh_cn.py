"""Every kata once in Simplified Chinese: a learner with `DOJO_LANG=zh_CN` reads Chinese
verdicts, messages and hints, and no message of the dojo's that was left in English.

Each kata runs with every function replaced by one of its mutants, so every function's
failure message is shown once. Two checks: no message the dojo translates is missing
from the catalogue (a recording catalogue sees every lookup), and no line of the report
reads as English prose outside code, names and PyTorch's own words (a message someone
forgot to mark)."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from katarun import COURSE, FAILING, REFERENCE, discover, pristine_katas, run_kata

from dojo import i18n

LANGUAGE = "zh_CN"
MUTANTS = discover("mutants")
CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE_VERDICTS = {"结果错误", "违反规则", "崩溃", "太慢"}


class Recording(gettext.GNUTranslations):
    """The zh_CN catalogue, remembering each message it was asked for and lacks."""

    def __init__(self) -> None:
        path = i18n.LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
        with path.open("rb") as f:
            super().__init__(f)
        self.missing: list[str] = []

    def note(self, message: str, key: object) -> None:
        # A check that takes N_-marked words also passes a caller's own through `_()`:
        # names (`lin_grad`) and text already in Chinese. Only English words are a miss.
        english = re.search(r"[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}", message)
        if english and not CJK.search(message) and key not in self._catalog:  # type: ignore[attr-defined]
            self.missing.append(message)

    def gettext(self, message: str) -> str:
        self.note(message, message)
        return super().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.note(singular, (singular, 0))
        return super().ngettext(singular, plural, n)


@pytest.fixture
def chinese(monkeypatch) -> Iterator[Recording]:
    """This process speaks Chinese for one test, as `DOJO_LANG=zh_CN` makes it. (The
    dojo's functions stay as they are: the run's sentry would report a replaced one.)"""
    catalogue = Recording()
    monkeypatch.setenv("DOJO_LANG", LANGUAGE)
    i18n.language.cache_clear()
    i18n.translation.cache_clear()
    with monkeypatch.context() as patch:
        patch.setattr(i18n, "load", lambda language: catalogue)
        assert i18n.translation() is catalogue and i18n.language() == LANGUAGE
    yield catalogue
    i18n.language.cache_clear()
    i18n.translation.cache_clear()


def all_mutants(kata_id: str, root: Path) -> Path:
    """The reference of `kata_id` with each function bound to its first mutant."""
    kata = COURSE.kata(kata_id)
    mutants = [m for m in MUTANTS if m.kata == kata_id]
    first = {}
    for m in mutants:
        first.setdefault(m.function, m.name)
    reference = (REFERENCE / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
    variants = mutants[0].source.read_text(encoding="utf-8")
    bindings = "\n".join(f"{function} = {name}" for function, name in first.items())
    target = root / kata.id / f"{kata.module}.py"
    target.parent.mkdir(parents=True)
    target.write_text(f"{reference}\n\n{variants}\n\n{bindings}\n", encoding="utf-8")
    return root


# English prose: three or more words in a row, two of them among the most common
# English words, once what is not the dojo's prose is removed: code, names, paths,
# numbers, quoted text, and what Python, PyTorch and NumPy said (an exception's text,
# gradcheck's report).
COMMON = {
    "the", "a", "an", "is", "are", "was", "be", "not", "no", "of", "to", "in", "on", "at",
    "for", "with", "by", "from", "as", "and", "or", "but", "if", "it", "its", "this", "that",
    "your", "you", "one", "each", "must", "should", "can", "has", "have", "does", "do", "than",
    "then", "what", "which", "when", "where",
}
QUOTED = re.compile(r"`[^`]*`|'[^'\n]*'|\"[^\"\n]*\"")
CALL = re.compile(r"[\w.]+\([^()]*\)")
NAME = re.compile(r"\S*/\S*|\b\w+[._]\w[\w.]*\b|\b0x[0-9A-Fa-f]+\b")
FOREIGN = re.compile(
    r"\b\w*(Error|Exception|Warning)\b\s*[:：][^）]*"  # an exception's own text
    r"|Jacobian mismatch[^）]*"  # torch.autograd.gradcheck's
)
CODE_LINE = re.compile(r"^\s*(\w[\w.\[\], ]* = |(for|if|def|return|import|with|while|class) )")


def english_prose(line: str) -> str | None:
    if CODE_LINE.match(line):
        return None
    text = FOREIGN.sub(" ", QUOTED.sub(" ", line))
    while CALL.search(text):
        text = CALL.sub(" ", text)
    words = re.findall(r"[A-Za-z]+", NAME.sub(" ", text))
    run: list[str] = []
    for word in [*words, ""]:
        if word:
            run.append(word.lower())
            continue
        if len(run) >= 3 and sum(w in COMMON for w in run) >= 2:
            return " ".join(run)
        run = []
    return None


def report_lines(output: str) -> list[str]:
    """The lines of a run's report, less pytest's own frame (session header, section
    rules, the source lines it quotes)."""
    frame = (">", "rootdir:", "platform ", "plugins:", "collected ", "configfile:", "timeout")
    lines = []
    for line in output.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(frame) and not re.match(r"^[=_-]{4}", stripped):
            lines.append(line)
    return lines


@pytest.mark.parametrize("kata_id", [k.id for k in COURSE.katas])
def test_a_kata_reads_in_chinese(pytester, chinese, kata_id):
    run = run_kata(pytester, kata_id, all_mutants(kata_id, pytester.path / "impl"))
    assert run.ret == 1, run.output
    assert set(run.all_verdicts) & FAILING, run.output
    assert CHINESE_VERDICTS & set(run.output.split()) or any(
        v in run.output for v in CHINESE_VERDICTS
    ), run.output
    summaries = [line for line in run.output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    assert summaries, run.output
    for line in summaries:  # pytest's one-line summary of each failure: the dojo's message
        assert CJK.search(line.partition(" - ")[2]), line
    if kata_id != "04_einsum":  # its first mutants all break a rule: no "Look at:" there
        assert "请看：" in run.output, run.output
    assert chinese.missing == [], f"not in the zh_CN catalogue: {sorted(set(chinese.missing))}"
    english = [(line, prose) for line in report_lines(run.output) if (prose := english_prose(line))]
    assert english == [], "\n".join(f"{prose!r} in: {line}" for line, prose in english)
    # A label glued to an English colon ("在这个输入上:") was built outside the catalogue.
    glued = [line for line in run.output.splitlines() if re.search(r"[\u4e00-\u9fff]:\s*$", line)]
    assert glued == [], glued


def test_a_kata_not_started_reads_in_chinese(pytester, chinese):
    run = run_kata(pytester, "01_neuron", pristine_katas())
    assert "未开始" in run.output, run.output
    assert chinese.missing == [], sorted(set(chinese.missing))


@pytest.mark.usefixtures("forget_kata_modules")
def test_a_notebook_reads_in_chinese(chinese, tmp_path, monkeypatch):
    from test_katas import grade_in_notebook

    source = "import torch\n\ndef dense_layer(x, w, b):\n    return x @ w + b\n"  # w not transposed
    grade = grade_in_notebook("02_matmul", source, tmp_path, monkeypatch)
    report = grade.report()
    assert grade.verdicts["dense_layer"] in FAILING, report
    assert "dense_layer: 结果错误：" in report and "请看：" in report, report
    assert "matmul_loops: 未开始：尚未在这个笔记本中定义" in report, report
    assert chinese.missing == [], sorted(set(chinese.missing))
    english = [(line, prose) for line in report.splitlines() if (prose := english_prose(line))]
    assert english == [], english

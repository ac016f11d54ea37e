"""dojo.i18n: which language a run speaks, and the catalogues behind it (Babel-managed
gettext): up to date with the code, placeholders kept, nothing stale, compiled."""

from __future__ import annotations

import io
import os
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from dojo import i18n, outcomes
from dojo.curriculum import load as load_curriculum

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
LANGUAGES = [p.name for p in sorted(i18n.LOCALE_DIR.iterdir()) if p.is_dir()]


def catalogue(language: str):
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as f:
        return read_po(f, locale=language)


def ids(messages) -> set[str | tuple[str, ...]]:
    """Message ids; a plural message's is (singular, plural), as Babel extracts it."""
    return {m.id for m in messages if m.id}


# --- which language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ("en", "")),
        ({"LANG": "zh_CN.UTF-8"}, ("zh_CN", "LANG")),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, ("en", "LC_ALL")),
        ({"LC_ALL": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}, ("zh_CN", "LANGUAGE")),
        ({"LANGUAGE": "zh_CN", "DOJO_LANG": "en"}, ("en", "DOJO_LANG")),
        ({"DOJO_LANG": "zh-Hans"}, ("zh_CN", "DOJO_LANG")),
        ({"LANG": "C"}, ("en", "LANG")),
        ({"LANG": "", "LC_ALL": "fr_FR.UTF-8"}, ("fr_FR", "LC_ALL")),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, ("zh_CN", "LC_MESSAGES")),
        ({"LANGUAGE": "fr_FR:zh_CN:en"}, ("zh_CN", "LANGUAGE")),  # its first we speak
        ({"LANGUAGE": "fr_FR:de_DE", "LANG": "zh_CN.UTF-8"}, ("fr_FR", "LANGUAGE")),
    ],
)
def test_the_language_comes_from_dojo_lang_then_the_locale(environ, expected):
    assert i18n.requested(environ) == expected


def test_english_is_chosen_without_a_word():
    assert i18n.choose({"DOJO_LANG": "en"}) == ("en", None)
    assert i18n.choose({}) == ("en", None)


def test_an_unknown_language_falls_back_to_english_with_one_warning():
    language, warning = i18n.choose({"DOJO_LANG": "fr_FR"})
    assert language == "en"
    assert warning is not None and "no translation for 'fr_FR'" in warning
    assert "DOJO_LANG=en" in warning and "\n" not in warning


def test_a_locale_the_dojo_does_not_speak_gives_english_silently():
    # As every gettext program: a German learner's every run must not carry a warning.
    assert i18n.choose({"LANG": "de_DE.UTF-8"}) == ("en", None)


def test_a_translation_under_way_is_not_offered_yet_one_run_one_language(monkeypatch):
    # A half-translated catalogue would mix two languages in one run: English, and why.
    monkeypatch.setattr(i18n, "IN_PROGRESS", ("fr_FR",))
    language, warning = i18n.choose({"DOJO_LANG": "fr_FR"})
    assert language == "en"
    assert warning is not None and "the fr_FR translation is not complete yet" in warning


def test_a_missing_catalogue_speaks_english_rather_than_crash(monkeypatch, tmp_path):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)  # an installation without its .mo
    assert i18n.load("zh_CN").gettext("all passed") == "all passed"


def test_chinese_is_offered_under_any_of_its_names():
    for value in ("zh_CN", "zh_CN.UTF-8", "zh-Hans", "zh"):
        assert i18n.choose({"DOJO_LANG": value}) == ("zh_CN", None), value
    assert i18n.choose({"LANG": "zh_CN.UTF-8"}) == ("zh_CN", None)


def test_the_warning_is_printed_once_per_process(tmp_path):
    code = (
        "from dojo import i18n, outcomes\n"
        "print(outcomes.label('wrong'), i18n._('all passed'), outcomes.label('crashed'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
        env={"PATH": "", "DOJO_LANG": "xx", "PYTHONPATH": str(ROOT)}, check=True,
    )
    assert result.stdout.strip() == "wrong all passed crashed"
    assert result.stderr.count("no translation for 'xx'") == 1, result.stderr


def test_a_verdict_reads_in_the_chosen_language(monkeypatch):
    monkeypatch.setattr(i18n, "translation", lambda: i18n.load("zh_CN"))
    assert outcomes.label(outcomes.WRONG) == "结果错误"
    assert outcomes.label(outcomes.RULE_BROKEN) == "违反规则"
    monkeypatch.setattr(i18n, "translation", lambda: i18n.load("en"))
    assert outcomes.label(outcomes.WRONG) == "wrong"


# --- the catalogues -------------------------------------------------------------------


def extracted_messages() -> set[str | tuple[str, ...]]:
    """What `pybabel extract -F babel.cfg` finds: the dojo's code, the katas' tests and
    the registry's titles, rules and hints."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=keywords
        )
    }


def test_the_template_holds_every_message_the_code_marks():
    """After changing a marked message, run the `pybabel extract` of CONTRIBUTING."""
    extracted = extracted_messages()
    with TEMPLATE.open("rb") as f:
        template = ids(read_po(f))
    assert extracted - template == set(), "in the code, missing from dojo.pot"
    assert template - extracted == set(), "in dojo.pot, gone from the code"


def test_the_registrys_words_are_extracted_for_translation():
    """Each kata's title and each function's rule and hints are in the template."""
    extracted = extracted_messages()
    registry = load_curriculum(ROOT / "katas" / "curriculum.toml")
    for kata in registry.katas:
        assert {kata.title, kata.book} <= extracted, kata.id
        for fn in kata.functions:
            assert {fn.rule, *fn.hints} - {""} <= extracted, f"{kata.id}.{fn.name}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_has_the_templates_messages_and_none_stale(language):
    """A message changed in English makes its translation fuzzy (`pybabel update`):
    stale until someone fluent checks it again."""
    with TEMPLATE.open("rb") as f:
        template = ids(read_po(f))
    po = catalogue(language)
    assert ids(po) == template, "run `pybabel update` (CONTRIBUTING, Translations)"
    stale = sorted(str(m.id) for m in po if m.id and m.fuzzy)
    assert stale == [], f"translations to check again: {stale}"
    if language in i18n.READY:
        untranslated = sorted(str(m.id) for m in po if m.id and not translated(m))
        assert untranslated == [], f"{language} is offered, yet these are in English"


def translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    for message in catalogue(language):
        if not (message.id and message.string):
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(placeholders(text) for text in sources))
        for text in translations:
            assert placeholders(text) == wanted, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_catalogue(language):
    """Run `pybabel compile` after editing a .po: gettext reads only the .mo."""
    mo_path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    compiled = read_mo(io.BytesIO(mo_path.read_bytes()))
    def key(value):  # a plural's id and strings: a tuple in a .po, a list in a .mo
        return tuple(value) if isinstance(value, (list, tuple)) else value

    want = {
        key(m.id): key(m.string)
        for m in catalogue(language) if m.id and translated(m) and not m.fuzzy
    }
    got = {key(m.id): key(m.string) for m in compiled if m.id}
    assert got == want


def test_no_module_that_translates_uses_underscore_as_a_throwaway_name():
    """`rows, _ = ...` in a function makes `_` local there: a `_("...")` in the same
    function would then fail with UnboundLocalError, only in the learner's run."""
    import ast

    for path in [*sorted((ROOT / "dojo").glob("*.py")), *sorted(ROOT.glob("katas/*/test_*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_gettext = any(
            isinstance(node, ast.ImportFrom) and node.module == "dojo.i18n"
            and any(alias.name == "_" for alias in node.names)
            for node in tree.body
        )
        if not imports_gettext:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                raise AssertionError(f"{path.name}:{node.lineno} assigns to `_`")


# --- the translated READMEs -------------------------------------------------------------

READMES = [ROOT / "README.md", *sorted(ROOT.glob("katas/*/README.md"))]
TRANSLATED = [
    (readme, language)
    for readme in READMES
    for language in LANGUAGES
]


def readme_id(value: Path | str) -> str:
    return str(value.relative_to(ROOT)) if isinstance(value, Path) else value


def translation_of(readme: Path, language: str) -> Path:
    return readme.with_name(f"README.{i18n.readme_suffix(language)}.md")


def fenced_blocks(text: str) -> list[str]:
    """The fenced code blocks of a Markdown text, in order."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if current is None:
                current = [line]
            else:
                current.append(line)
                blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def code_headings(text: str) -> list[str]:
    """Headings that name a function (`### \\`lin_grad(inp, w, out_g)\\``): how
    `dojo hint` finds a function's section, in either language."""
    import re

    def only_code(heading: str) -> bool:
        rest = re.sub(r"`[^`]*`", "", heading)
        return heading.startswith("`") and re.fullmatch(r"[\s,/]*((and|or)[\s,/]*)*", rest)

    return [
        line for line in text.splitlines()
        if line.startswith("#") and only_code(line.lstrip("#").strip())
    ]


@pytest.mark.parametrize(("readme", "language"), TRANSLATED, ids=readme_id)
def test_each_readme_has_a_translation_linked_both_ways(readme, language):
    translated = translation_of(readme, language)
    assert translated.is_file(), f"{translated.relative_to(ROOT)} is missing"
    english = readme.read_text(encoding="utf-8")
    text = translated.read_text(encoding="utf-8")
    assert f"]({translated.name})" in english.split("\n## ")[0], "the English must link to it"
    assert "](README.md)" in text.split("\n## ")[0], "it must link back to the English"


@pytest.mark.parametrize(("readme", "language"), TRANSLATED, ids=readme_id)
def test_a_translated_readme_is_as_fresh_as_its_english(readme, language):
    """When a README changes, its translation must be checked again: update it, then
    `python -m dojo.i18n stamp katas/NN_name/README.zh-CN.md` (CONTRIBUTING)."""
    translated = translation_of(readme, language)
    stamped = i18n.stamped_digest(translated)
    assert stamped is not None, f"{translated.relative_to(ROOT)} has no stamp on line 1"
    assert stamped == i18n.source_digest(readme), (
        f"{readme.relative_to(ROOT)} changed since {translated.relative_to(ROOT)} was "
        f"translated: see `git log -p {readme.relative_to(ROOT)}`"
    )


@pytest.mark.parametrize(("readme", "language"), TRANSLATED, ids=readme_id)
def test_a_translated_readme_keeps_the_code_and_the_function_headings(readme, language):
    english = readme.read_text(encoding="utf-8")
    text = translation_of(readme, language).read_text(encoding="utf-8")
    assert fenced_blocks(text) == fenced_blocks(english)
    assert code_headings(text) == code_headings(english)


def test_stamping_records_the_source_and_a_change_shows(tmp_path):
    source = tmp_path / "README.md"
    source.write_text("# A kata\n\nWrite `f`.\n", encoding="utf-8")
    translated = tmp_path / "README.zh-CN.md"
    translated.write_text("# 一个 kata\n\n编写 `f`。\n", encoding="utf-8")
    assert i18n.stamped_digest(translated) is None
    assert i18n._main(["stamp", str(translated)]) == 0
    assert i18n.stamped_digest(translated) == i18n.source_digest(source)
    assert translated.read_text(encoding="utf-8").split("\n", 1)[1] == "# 一个 kata\n\n编写 `f`。\n"
    i18n.stamp(translated)  # stamping again replaces the stamp, keeps the text
    assert translated.read_text(encoding="utf-8").count("translated from README.md") == 1
    source.write_text("# A kata\n\nWrite `g`.\n", encoding="utf-8")
    assert i18n.stamped_digest(translated) != i18n.source_digest(source)


def test_a_learner_is_pointed_at_the_readme_in_their_language(tmp_path):
    (tmp_path / "README.md").write_text("# A kata\n", encoding="utf-8")
    assert i18n.readme(tmp_path, "zh_CN") == tmp_path / "README.md"  # none yet: English
    (tmp_path / "README.zh-CN.md").write_text("# 一个 kata\n", encoding="utf-8")
    assert i18n.readme(tmp_path, "zh_CN") == tmp_path / "README.zh-CN.md"
    assert i18n.readme(tmp_path, "en") == tmp_path / "README.md"


def test_stamping_a_missing_file_says_so(tmp_path, capsys):
    assert i18n._main(["stamp", str(tmp_path / "README.zh-CN.md")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert i18n._main([]) == 2


def test_importing_the_dojo_chooses_no_language_yet():
    """Messages are translated where they are shown, never at import (`N_` marks a
    constant): the language must be the one of the run that shows them, and a test
    that pins it must still be able to."""
    modules = sorted(p.stem for p in (ROOT / "dojo").glob("*.py") if p.stem != "__main__")
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('dojo.' + name)\n"
        "from dojo import i18n\n"
        "print(i18n.language.cache_info().currsize, i18n.translation.cache_info().currsize)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
        env={**os.environ, "DOJO_LANG": "en"},
    )
    assert result.stdout.split() == ["0", "0"], result.stderr

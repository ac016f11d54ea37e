"""dojo.i18n: which language a run speaks, and the catalogues behind it (Babel-managed
gettext): up to date with the code, placeholders kept, nothing stale, compiled."""

from __future__ import annotations

import io
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from dojo import i18n, outcomes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
LANGUAGES = [p.name for p in sorted(i18n.LOCALE_DIR.iterdir()) if p.is_dir()]


def catalogue(language: str):
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as f:
        return read_po(f, locale=language)


def ids(messages) -> set[str]:
    return {m.id for m in messages if m.id and isinstance(m.id, str)}


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
    ],
)
def test_the_language_comes_from_dojo_lang_then_the_locale(environ, expected):
    assert i18n.requested(environ) == expected


def test_english_is_chosen_without_a_word():
    assert i18n.choose({"DOJO_LANG": "en"}) == ("en", None)
    assert i18n.choose({}) == ("en", None)


def test_an_unknown_language_falls_back_to_english_with_one_warning():
    language, warning = i18n.choose({"LANG": "fr_FR.UTF-8"})
    assert language == "en"
    assert warning is not None and "no translation for 'fr_FR'" in warning
    assert "DOJO_LANG=en" in warning and "\n" not in warning


def test_a_translation_under_way_is_not_offered_yet_one_run_one_language():
    # A half-translated catalogue would mix two languages in one run: English, and why.
    assert "zh_CN" in i18n.IN_PROGRESS and "zh_CN" not in i18n.READY
    language, warning = i18n.choose({"DOJO_LANG": "zh_CN"})
    assert language == "en"
    assert warning is not None and "the zh_CN translation is not complete yet" in warning


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


def test_the_template_holds_every_message_the_code_marks():
    """After changing a marked message, run the `pybabel extract` of CONTRIBUTING."""
    extracted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "dojo"), method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
        )
        if isinstance(message, str)
    }
    with TEMPLATE.open("rb") as f:
        template = ids(read_po(f))
    assert extracted - template == set(), "in the code, missing from dojo.pot"
    assert template - extracted == set(), "in dojo.pot, gone from the code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_has_the_templates_messages_and_none_stale(language):
    """A message changed in English makes its translation fuzzy (`pybabel update`):
    stale until someone fluent checks it again."""
    with TEMPLATE.open("rb") as f:
        template = ids(read_po(f))
    po = catalogue(language)
    assert ids(po) == template, "run `pybabel update` (CONTRIBUTING, Translations)"
    stale = sorted(m.id for m in po if m.id and m.fuzzy)
    assert stale == [], f"translations to check again: {stale}"
    if language in i18n.READY:
        untranslated = sorted(m.id for m in po if m.id and not m.string)
        assert untranslated == [], f"{language} is offered, yet these are in English"


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    for message in catalogue(language):
        if message.id and message.string:
            assert placeholders(message.string) == placeholders(message.id), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_catalogue(language):
    """Run `pybabel compile` after editing a .po: gettext reads only the .mo."""
    mo_path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    compiled = read_mo(io.BytesIO(mo_path.read_bytes()))
    want = {m.id: m.string for m in catalogue(language) if m.id and m.string and not m.fuzzy}
    got = {m.id: m.string for m in compiled if m.id}
    assert got == want


def test_no_module_that_translates_uses_underscore_as_a_throwaway_name():
    """`rows, _ = ...` in a function makes `_` local there: a `_("...")` in the same
    function would then fail with UnboundLocalError, only in the learner's run."""
    import ast

    for path in sorted((ROOT / "dojo").glob("*.py")):
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

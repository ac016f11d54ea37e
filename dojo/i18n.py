"""The language a learner reads: English, or a translation from a gettext catalogue.

Messages are marked with `_()` (or `N_()` where they are defined before a language
is chosen) and extracted, updated and compiled with Babel (see CONTRIBUTING); at
run time the standard library's `gettext` reads the compiled catalogue in
`dojo/locale/<lang>/LC_MESSAGES/dojo.mo`.

The language comes from `DOJO_LANG`, else from the locale (`LANGUAGE`, `LC_ALL`,
`LANG`, in that order, as gettext reads them). It is chosen once per process: one
run, one language. A language is offered only once its catalogue translates every
message (`READY`): a half-translated run would mix two languages. Any other
language, one still being translated included, falls back to English with one
warning, never an error.
"""

from __future__ import annotations

import functools
import gettext
import os
import sys
from pathlib import Path

DOMAIN = "dojo"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENGLISH = "en"
# Languages a learner can choose: English, and each translation once complete.
READY: tuple[str, ...] = (ENGLISH,)
# Translations under way: their catalogues exist and are checked, but not yet offered.
IN_PROGRESS: tuple[str, ...] = ("zh_CN",)
_ALIASES = {"zh": "zh_CN", "zh_hans": "zh_CN", "zh_sg": "zh_CN", "c": ENGLISH, "posix": ENGLISH}
_ENVIRONMENT = ("DOJO_LANG", "LANGUAGE", "LC_ALL", "LANG")


def normalize(value: str) -> str:
    """"zh_CN.UTF-8" -> "zh_CN", "zh-Hans" -> "zh_CN", "en_GB" -> "en", "C" -> "en"."""
    code = value.split(".")[0].split("@")[0].replace("-", "_").strip()
    alias = _ALIASES.get(code.lower())
    if alias:
        return alias
    lang, _sep, region = code.partition("_")
    if lang.lower() == ENGLISH:
        return ENGLISH
    return f"{lang.lower()}_{region.upper()}" if region else lang.lower()


def requested(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(language, where it came from): the first of DOJO_LANG, LANGUAGE (its first
    entry: it is a list), LC_ALL and LANG that is set; English when none is."""
    env = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        value = env.get(name, "")
        if name == "LANGUAGE":
            value = value.split(":")[0]
        if value.strip():
            return normalize(value), name
    return ENGLISH, ""


def choose(environ: dict[str, str] | None = None) -> tuple[str, str | None]:
    """(the language to use, a warning to show once or None)."""
    language, source = requested(environ)
    if language in READY:
        return language, None
    if language in IN_PROGRESS:
        why = f"the {language} translation is not complete yet"
    else:
        why = f"no translation for {language!r}"
    return ENGLISH, (
        f"dojo: {source}={(environ or os.environ).get(source, '')!r} asks for {language}: "
        f"{why}, so the dojo speaks English (set DOJO_LANG=en to say so and silence this)"
    )


@functools.cache
def translation() -> gettext.NullTranslations:
    """The catalogue of this process's language (chosen once; see `choose`)."""
    language, warning = choose()
    if warning:
        print(warning, file=sys.stderr)
    return load(language)


def load(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English: no catalogue, every message as written)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def _(message: str) -> str:
    """`message` in the learner's language."""
    return translation().gettext(message)


def N_(message: str) -> str:
    """Mark `message` for translation without translating it yet (gettext_noop):
    constants defined at import, translated where they are shown with `_()`."""
    return message

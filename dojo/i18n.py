"""The language a learner reads: English, or a translation from a gettext catalogue.

Messages are marked with `_()` (or `N_()` where they are defined before a language
is chosen) and extracted, updated and compiled with Babel (see CONTRIBUTING); at
run time the standard library's `gettext` reads the compiled catalogue in
`dojo/locale/<lang>/LC_MESSAGES/dojo.mo`.

The language comes from `DOJO_LANG`, else from the locale (`LANGUAGE`, `LC_ALL`,
`LC_MESSAGES`, `LANG`, in that order, as gettext reads them). It is chosen once per
process: one run, one language. A language is offered only once its catalogue
translates every message (`READY`): a half-translated run would mix two languages.
Any other language, one still being translated included, falls back to English,
never an error: silently for a locale, with one warning for a DOJO_LANG.
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
READY: tuple[str, ...] = (ENGLISH, "zh_CN")
# Translations under way: their catalogues exist and are checked, but not yet offered.
IN_PROGRESS: tuple[str, ...] = ()
_ALIASES = {"zh": "zh_CN", "zh_hans": "zh_CN", "zh_sg": "zh_CN", "c": ENGLISH, "posix": ENGLISH}
_ENVIRONMENT = ("DOJO_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


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
    """(language, where it came from): from the first of DOJO_LANG, LANGUAGE, LC_ALL,
    LC_MESSAGES and LANG that is set, as Python's gettext reads them. A value may be a
    list ("fr_FR:zh_CN"): its first language the dojo speaks, else its first one.
    English when none is set."""
    env = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        wanted = [normalize(v) for v in env.get(name, "").split(":") if v.strip()]
        if wanted:
            return next((w for w in wanted if w in READY), wanted[0]), name
    return ENGLISH, ""


def choose(environ: dict[str, str] | None = None) -> tuple[str, str | None]:
    """(the language to use, a warning to show once or None). A locale the dojo has no
    translation for gives English silently, as every gettext program does; only an
    explicit DOJO_LANG it cannot honour gets a word."""
    language, source = requested(environ)
    if language in READY:
        return language, None
    if source != "DOJO_LANG":
        return ENGLISH, None
    if language in IN_PROGRESS:
        why = f"the {language} translation is not complete yet"
    else:
        why = f"no translation for {language!r}"
    return ENGLISH, (
        f"dojo: {source}={(environ or os.environ).get(source, '')!r} asks for {language}: "
        f"{why}, so the dojo speaks English (set DOJO_LANG=en to say so and silence this)"
    )


@functools.cache
def language() -> str:
    """The language this process speaks, chosen once (see `choose`); the warning, if
    any, is printed then."""
    chosen, warning = choose()
    if warning:
        print(warning, file=sys.stderr)
    return chosen


@functools.cache
def translation() -> gettext.NullTranslations:
    """The catalogue of this process's language."""
    return load(language())


def load(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English: no catalogue, every message as written)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    # fallback: an installation that lost its catalogue speaks English, never crashes
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    """`message` in the learner's language."""
    return translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural`, as `n` and the learner's language need ("1 row", "2 rows";
    Chinese has one form)."""
    return translation().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for translation without translating it yet (gettext_noop):
    constants defined at import, translated where they are shown with `_()`."""
    return message


# --- translated READMEs -----------------------------------------------------------------
# A translated README sits beside its source (`README.zh-CN.md` beside `README.md`) and
# starts with a stamp holding the sha256 of the English it was translated from, so a
# test names every translation whose source has changed since (see CONTRIBUTING).

_STAMP = (
    "<!-- translated from {source}, sha256 {digest}; when {source} changes, update this "
    "translation, then run: python -m dojo.i18n stamp THIS_FILE -->"
)
_STAMP_PREFIX = "<!-- translated from "


def readme_suffix(language: str) -> str:
    """"zh_CN" -> "zh-CN": the suffix of that language's README (`README.zh-CN.md`)."""
    return language.replace("_", "-")


def source_digest(source: Path) -> str:
    """The sha256 of a README's English text (line endings normalised)."""
    import hashlib

    text = source.read_text(encoding="utf-8").replace("\r\n", "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_of(translated: Path) -> Path:
    """`katas/02_matmul/README.zh-CN.md` -> `katas/02_matmul/README.md`."""
    stem = translated.name.split(".")[0]
    return translated.with_name(f"{stem}.md")


def stamped_digest(translated: Path) -> str | None:
    """The digest a translation's stamp records, or None when it has no stamp."""
    first = translated.read_text(encoding="utf-8").split("\n", 1)[0]
    if not first.startswith(_STAMP_PREFIX):
        return None
    words = first.split()
    return words[words.index("sha256") + 1].rstrip(":,;") if "sha256" in words else None


def stamp(translated: Path) -> None:
    """Record in `translated` the digest of its source as it is now."""
    text = translated.read_text(encoding="utf-8").replace("\r\n", "\n")
    if text.startswith(_STAMP_PREFIX):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    source = source_of(translated)
    line = _STAMP.format(source=source.name, digest=source_digest(source))
    translated.write_text(f"{line}\n{text}", encoding="utf-8")


def readme(folder: Path, lang: str | None = None) -> Path:
    """The README of `folder` a learner should read: the translation into their
    language when there is one, else the English."""
    chosen = lang or language()
    if chosen != ENGLISH:
        translated = folder / f"README.{readme_suffix(chosen)}.md"
        if translated.is_file():
            return translated
    return folder / "README.md"


def _main(argv: list[str]) -> int:
    """`python -m dojo.i18n stamp FILE...`: record each translation's source digest."""
    if len(argv) < 2 or argv[0] != "stamp":
        print("usage: python -m dojo.i18n stamp README.LANG.md...", file=sys.stderr)
        return 2
    for name in argv[1:]:
        path = Path(name)
        if not path.is_file() or not source_of(path).is_file():
            print(
                f"dojo.i18n: {name}: no such file, or no {source_of(path).name} beside it",
                file=sys.stderr,
            )
            return 1
        stamp(path)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

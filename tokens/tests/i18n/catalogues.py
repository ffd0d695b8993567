"""The message catalogues the project ships, and a reader of their ``.po`` files.

``CATALOGUES`` is the one list the catalogue tests (and ``make messages``) go by: an app's folder
(or the project's templates/), the gettext domain, and the kinds of file ``makemessages`` reads
there. Templates join by adding ``"html"`` and ``"txt"`` to an entry's extensions, scripts by an
entry with the ``djangojs`` domain and ``"js"``.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Catalogue:
    # The app's folder, relative to the project (its locale/ folder is inside); ``templates`` and
    # ``config``, the project's templates and settings, are no apps: settings.LOCALE_PATHS names
    # their locale/ folders.
    app: str
    # The gettext domain: django (Python and templates) or djangojs (scripts).
    domain: str = "django"
    # The file kinds makemessages reads for this catalogue.
    extensions: tuple[str, ...] = ("py",)
    # Folders of the app makemessages leaves out: no person reads what is written there.
    ignore: tuple[str, ...] = ("tests/*", "migrations/*")

    @property
    def path(self) -> Path:
        return Path(settings.BASE_DIR) / self.app

    def po_file(self, locale: str, root: Path | None = None) -> Path:
        return (root or self.path) / "locale" / locale / "LC_MESSAGES" / f"{self.domain}.po"

    def makemessages_args(self, locale: str) -> list[str]:
        # Files without line numbers: a catalogue changes when its strings do, not on every edit.
        args = ["makemessages", "-l", locale, "-d", self.domain, "--no-obsolete", "-v", "0"]
        args += ["--add-location", "file"]
        for extension in self.extensions:
            args += ["-e", extension]
        for pattern in self.ignore:
            args += ["-i", pattern]
        return args


CATALOGUES = (
    Catalogue("tokens", extensions=("py", "html", "txt")),
    Catalogue("accounts", extensions=("py", "html", "txt")),
    # The scripts of the account and demo pages (tokens/static/tokens/), served to them by the
    # JavaScriptCatalog view.
    Catalogue("tokens", domain="djangojs", extensions=("js",)),
    # The project's own templates (the account and demo pages, the admin's index, the browsable
    # API's frame) and settings (the admin's titles): their catalogues are in templates/locale and
    # config/locale, which LOCALE_PATHS names.
    Catalogue("templates", extensions=("html", "txt")),
    Catalogue("config"),
)


def translated_locales() -> list[str]:
    """The gettext locale names of ``LANGUAGES`` but the source language (``zh-hans``:
    ``zh_Hans``).
    """
    from django.utils.translation import to_locale

    return [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$")


def read_po(text: str) -> list[Entry]:
    """The entries of a ``.po`` file, the header (empty msgid) left out; message contexts are not
    used by the project and are read as part of nothing.
    """
    entries = []
    for block in re.split(r"\n\s*\n", text):
        entry, target = Entry(msgid=""), None
        has_msgid = False
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith('"') and target is not None:
                target(ast.literal_eval(line))
            elif match := _KEYWORD.match(line):
                keyword, index, value = match.group(1), match.group(2), ast.literal_eval(match[3])
                target = _setter(entry, keyword, int(index or 0))
                target(value, start=True)
                has_msgid = has_msgid or keyword == "msgid"
        if has_msgid and entry.msgid:
            entries.append(entry)
    return entries


def _setter(entry: Entry, keyword: str, index: int):
    """A function that sets (``start``) or extends the value ``keyword`` names."""

    def set_value(value: str, start: bool = False) -> None:
        if keyword == "msgctxt":
            return
        if keyword.startswith("msgstr"):
            entry.msgstr[index] = value if start else entry.msgstr[index] + value
        elif keyword == "msgid_plural":
            entry.msgid_plural = value if start else (entry.msgid_plural or "") + value
        else:
            entry.msgid = value if start else entry.msgid + value

    return set_value


def untranslated(entries: list[Entry]) -> list[str]:
    """The msgids of entries a catalogue does not answer for: an empty translation, or a fuzzy
    one (a guess of msgmerge's that gettext ignores).
    """
    return [
        entry.msgid
        for entry in entries
        if not entry.obsolete
        and ("fuzzy" in entry.flags or not entry.msgstr or not all(entry.msgstr.values()))
    ]


def update_and_compile() -> None:
    """``make messages``: each catalogue brought up to date with its sources, then compiled; the new
    strings come out empty (or fuzzy) for a translator, and the catalogue tests fail until then.
    """
    import subprocess
    import sys

    manage = Path(settings.BASE_DIR) / "manage.py"
    for catalogue in CATALOGUES:
        for locale in translated_locales():
            subprocess.run(
                [sys.executable, str(manage), *catalogue.makemessages_args(locale)],
                cwd=catalogue.path,
                check=True,
            )
            po_file = catalogue.po_file(locale)
            mo_file = po_file.with_suffix(".mo")
            subprocess.run(["msgfmt", "--check", "-o", str(mo_file), str(po_file)], check=True)
            print(f"{po_file.relative_to(settings.BASE_DIR)}: {len(read_po(po_file.read_text()))}")


if __name__ == "__main__":
    import django

    django.setup()
    update_and_compile()

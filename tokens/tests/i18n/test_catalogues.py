"""Every message a person reads has its translation, and what ships is what was written.

``makemessages`` runs over a copy of each app (so the checkout is left as it is) and merges the
strings the sources hold now into the committed catalogue: a string added without a translation
comes out empty, one changed comes out fuzzy, and either fails here.
"""

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from tokens.tests.i18n.catalogues import CATALOGUES, read_po, translated_locales, untranslated


def copy_of_app(app: Path, into: Path) -> Path:
    """``app`` copied under ``into`` without its caches, so makemessages may write in it."""
    target = into / app.name
    shutil.copytree(app, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


class CatalogueTests(SimpleTestCase):
    def test_each_language_has_a_catalogue_in_each_app(self):
        self.assertTrue(translated_locales(), "LANGUAGES names no language but English")
        for catalogue in CATALOGUES:
            for locale in translated_locales():
                with self.subTest(app=catalogue.app, domain=catalogue.domain, locale=locale):
                    self.assertTrue(catalogue.po_file(locale).is_file())

    def test_no_string_of_the_sources_lacks_a_translation(self):
        for catalogue in CATALOGUES:
            for locale in translated_locales():
                with self.subTest(app=catalogue.app, domain=catalogue.domain, locale=locale):
                    entries = self.merged_catalogue(catalogue, locale)
                    self.assertGreater(len(entries), 0)
                    self.assertEqual(untranslated(entries), [])

    def merged_catalogue(self, catalogue, locale):
        """The committed catalogue with the sources' strings of now merged in, as makemessages
        writes it.
        """
        with tempfile.TemporaryDirectory() as directory:
            copy = copy_of_app(catalogue.path, Path(directory))
            manage = Path(settings.BASE_DIR) / "manage.py"
            result = subprocess.run(
                [sys.executable, str(manage), *catalogue.makemessages_args(locale)],
                cwd=copy,
                env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(result.returncode, 0, result.stderr)
            return read_po(catalogue.po_file(locale, root=copy).read_text(encoding="utf-8"))

    def test_the_compiled_catalogue_says_what_the_po_file_says(self):
        # A .po file edited without compiling ships the old .mo: the wheel answers the old text.
        for catalogue in CATALOGUES:
            for locale in translated_locales():
                with self.subTest(app=catalogue.app, domain=catalogue.domain, locale=locale):
                    po_file = catalogue.po_file(locale)
                    with po_file.with_suffix(".mo").open("rb") as mo_file:
                        compiled = gettext.GNUTranslations(mo_file)
                    for entry in read_po(po_file.read_text(encoding="utf-8")):
                        if entry.msgid_plural is None:
                            self.assertEqual(compiled.gettext(entry.msgid), entry.msgstr[0])
                        else:
                            self.assertEqual(
                                compiled.ngettext(entry.msgid, entry.msgid_plural, 1),
                                entry.msgstr[0],
                            )

    def test_the_po_files_pass_msgfmt_check(self):
        # msgfmt --check: the header, and the same placeholders (%(name)s, {}) on both sides.
        for catalogue in CATALOGUES:
            for locale in translated_locales():
                with self.subTest(app=catalogue.app, domain=catalogue.domain, locale=locale):
                    result = subprocess.run(
                        ["msgfmt", "--check", "-o", os.devnull, str(catalogue.po_file(locale))],
                        capture_output=True,
                        text=True,
                        timeout=60,
                    )
                    self.assertEqual(result.returncode, 0, result.stderr)

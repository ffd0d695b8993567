"""A password validator that refuses the words of the site's context (OWASP ASVS 5.0 V6.1.2 and
V6.2.11): a documented list, by default the site's name and its host name.

It refuses containment, case ignored, of any listed word of four characters or more. The user's
own name and address are left to Django's ``UserAttributeSimilarityValidator``, which measures
similarity: refusing every password that merely contains a user's name would refuse good
passphrases for the many people whose name is a common word.
"""

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tokens.conf import token_settings

# Shorter words are skipped: they would refuse too many good passwords ("com", "app", "jwt").
SHORTEST = 4

# A word: a run of letters and digits.
WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The words of ``text`` long enough to count, lower-cased (casefolded)."""
    return [word for word in WORD.findall(text.casefold()) if len(word) >= SHORTEST]


def site_words() -> list[str]:
    """The documented list: ``PASSWORD_CONTEXT_WORDS``, or the words of the site's name and of
    ``SITE_URL``'s host name without its last label (``auth.example.com``: ``auth``, ``example``).
    """
    given = token_settings.PASSWORD_CONTEXT_WORDS
    if given is not None:
        return sorted({word for text in given for word in words_of(text)})
    host = urlsplit(token_settings.SITE_URL).hostname or ""
    labels = host.split(".")
    if len(labels) > 1:
        labels = labels[:-1]
    name = token_settings.SITE_NAME
    return sorted({*words_of(name), *(word for label in labels for word in words_of(label))})


class ContextWordsValidator:
    """Refuse a password that contains a word of the site's context."""

    def validate(self, password: str, user=None) -> None:
        found = first_contained(password, site_words())
        if found is not None:
            raise ValidationError(
                _("This password contains '%(word)s', a word of this site or of your account."),
                code="password_has_context_word",
                params={"word": found},
            )

    def get_help_text(self) -> str:
        return _("Your password can't contain the name of this site or service.")


def first_contained(password: str, words: Iterable[str]) -> str | None:
    """The first of ``words`` that ``password`` contains, case ignored; None when none is."""
    folded = password.casefold()
    return next((word for word in words if word in folded), None)

"""A password validator that refuses the words of the site's context (OWASP ASVS 5.0 V6.1.2 and
V6.2.11): the site's name, its host name, and the user's own name and address.

Django's ``UserAttributeSimilarityValidator`` measures how similar a whole password is to the
user's attributes, so a long password that merely contains the username passes it; this one
refuses containment, case ignored, of any word of four characters or more.
"""

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tokens.conf import token_settings

# The project's name while Django's settings name none (settings.SITE_NAME).
PROJECT_NAME = "Dual-token JWT authentication"

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
    name = getattr(settings, "SITE_NAME", PROJECT_NAME)
    return sorted({*words_of(name), *(word for label in labels for word in words_of(label))})


def user_words(user) -> list[str]:
    """The words of the user's username and of the local part of the user's e-mail address (a
    username that is an address counts by its local part too: its domain is no personal word).
    """
    if user is None:
        return []
    field = getattr(user, "EMAIL_FIELD", "email")
    texts = [str(user.get_username() or ""), str(getattr(user, field, "") or "")]
    local_parts = [text.rpartition("@")[0] or text for text in texts]
    return sorted({word for text in local_parts for word in words_of(text)})


class ContextWordsValidator:
    """Refuse a password that contains a word of the site's context or of the user's name."""

    def validate(self, password: str, user=None) -> None:
        found = first_contained(password, [*site_words(), *user_words(user)])
        if found is not None:
            raise ValidationError(
                _("This password contains '%(word)s', a word of this site or of your account."),
                code="password_has_context_word",
                params={"word": found},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can't contain the name of this site or service, nor your username "
            "or the name in your e-mail address."
        )


def first_contained(password: str, words: Iterable[str]) -> str | None:
    """The first of ``words`` that ``password`` contains, case ignored; None when none is."""
    folded = password.casefold()
    return next((word for word in words if word in folded), None)

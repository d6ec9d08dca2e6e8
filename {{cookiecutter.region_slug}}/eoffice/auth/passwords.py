"""Password rules (OWASP ASVS 4.0 section 2.1): long enough, not too long to be a
passphrase, no composition rules, and not a password an attacker tries first.

The common passwords are the 30,000 most frequent ones of leaked password dumps
as shipped by ``zxcvbn`` (its ``passwords`` frequency list, drawn from Mark
Burnett's 10 million password set). The same package estimates how many guesses a
password needs, taking dictionary words, names, keyboard patterns, repeats,
sequences, dates and the user's own details into account; a password estimated
below PASSWORD_MIN_SCORE is refused. zxcvbn's lists are English: the user's name,
username, email and the region's names are added to them for each check.

Every place a password is set goes through ``password_problem`` (via
``services.set_password``): the change-password page, the administrator's form,
``flask eoffice create-admin`` and the demo data. The login checks the typed
password again, so that accounts made under older rules are asked for a new one.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l

# Words of this application that make a password easy to guess here.
CONTEXT_WORDS = ("eoffice", "e-office", "sandi", "katasandi", "kata sandi", "password",
                 "pemda", "pemerintah", "kabupaten", "kota", "provinsi", "dinas")
NAME_PART_MIN = 4  # shorter name parts (Ani, Ali) occur inside unrelated words
# zxcvbn's time grows with the square of the length (about 40 ms at 20 characters,
# 170 ms at 64, 650 ms at 128 on a busy 2-core server): only the first 48 characters
# are estimated. More characters only add guesses, so a strong start is enough, and a
# long password whose first 48 characters are easy to guess is refused.
SCORED_PREFIX = 48

# zxcvbn keeps the user's words in a module-level dictionary while it scores: one
# check at a time, or two threads could mix each other's words.
_zxcvbn_lock = threading.Lock()


@dataclass(frozen=True)
class PasswordCheck:
    """The verdict on a password: ``score`` 0-4 (zxcvbn), ``rule`` the name of the rule
    it breaks (None when acceptable) and ``message`` the sentence shown to the user."""

    score: int
    rule: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.rule is None


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the most used passwords, lower case."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _words(text: str | None) -> list[str]:
    return [w for w in re.split(r"[^\w]+", (text or "").lower()) if w]


def personal_words(username: str | None, full_name: str | None,
                   email: str | None) -> list[str]:
    """Parts of the user's own details a password must not contain."""
    words = set()
    if username and len(username) >= 3:
        words.add(username.lower())
    name_parts = [w for w in _words(full_name) if len(w) >= NAME_PART_MIN]
    words.update(name_parts)
    if len(name_parts) > 1:
        words.add("".join(name_parts))
    local = (email or "").split("@")[0].lower()
    if len(local) >= NAME_PART_MIN:
        words.add(local)
        words.update(w for w in _words(local) if len(w) >= NAME_PART_MIN)
    return sorted(words)


def _context_words() -> list[str]:
    config = current_app.config
    words = list(CONTEXT_WORDS)
    for key in ("REGION_NAME", "REGION_SLUG", "AGENCY_NAME"):
        words.extend(w for w in _words(config.get(key)) if len(w) >= NAME_PART_MIN)
    return words


def score(password: str, user_words: list[str]) -> int:
    """zxcvbn's score (0-4) of the password's first SCORED_PREFIX characters."""
    from zxcvbn import zxcvbn

    scored = password[:SCORED_PREFIX]
    with _zxcvbn_lock:
        return int(zxcvbn(scored, user_inputs=user_words + _context_words(),
                          max_length=max(len(scored), 1))["score"])


def check_password(password: str, *, username: str | None = None,
                   full_name: str | None = None, email: str | None = None) -> PasswordCheck:
    """Check a new password against every rule, cheapest first."""
    config = current_app.config
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return PasswordCheck(0, "too_short", str(_l(
            "The password must be at least %(n)d characters long.", n=minimum)))
    if len(password) > maximum:
        return PasswordCheck(0, "too_long", str(_l(
            "The password must be at most %(n)d characters long.", n=maximum)))
    lowered = password.lower()
    if lowered in common_passwords():
        return PasswordCheck(0, "common", str(_l(
            "This password is on a list of common or leaked passwords. Choose another.")))
    if username and len(username) >= 3 and username.lower() in lowered:
        return PasswordCheck(0, "username", str(_l(
            "The password must not contain the username.")))
    mine = personal_words(username, full_name, email)
    if any(word in lowered for word in mine):
        return PasswordCheck(0, "personal", str(_l(
            "The password must not contain the user's name or email address.")))
    strength = score(password, mine)
    if strength < config["PASSWORD_MIN_SCORE"]:
        return PasswordCheck(strength, "guessable", str(_l(
            "This password is too easy to guess (a common word, name, date, keyboard "
            "pattern or sequence). A phrase of several unrelated words is easy to remember "
            "and hard to guess.")))
    return PasswordCheck(strength)


def password_problem(password: str, *, username: str | None = None,
                     full_name: str | None = None, email: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None."""
    return check_password(password, username=username, full_name=full_name,
                          email=email).message

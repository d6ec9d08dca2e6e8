"""NIP (Nomor Induk Pegawai) of a civil servant (PNS): 18 digits.

    YYYYMMDD  birth date
    YYYYMM    TMT CPNS (start of service as candidate civil servant)
    G         gender: 1 male, 2 female
    NNN       sequence, 001-999

Shown grouped: ``19680411 199303 1 009``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

GENDER_BY_DIGIT = {"1": "L", "2": "P"}  # L laki-laki, P perempuan
_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]{18}")


class NipError(ValueError):
    """The NIP breaks a rule; ``str(error)`` says which, in the user's language."""


@dataclass(frozen=True)
class NipInfo:
    nip: str
    birth_date: dt.date
    tmt_year: int
    tmt_month: int
    gender: str  # "L" or "P"
    sequence: int


def normalize_nip(value: str | None) -> str:
    """Digits only: spaces, dots and dashes that people type are removed."""
    return _SEPARATORS.sub("", value or "")


def parse_nip(value: str | None, *, today: dt.date | None = None) -> NipInfo:
    """Check every rule and return the parts, or raise NipError."""
    nip = normalize_nip(value)
    if not _DIGITS.fullmatch(nip):  # ASCII only: str.isdigit() accepts "²" and "١"
        raise NipError(str(_l("A NIP has exactly 18 digits (%(n)d given).",
                              n=sum(c in "0123456789" for c in nip))))
    try:
        birth = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise NipError(str(_l("Digits 1-8 of the NIP are not a real birth date (YYYYMMDD)."))) \
            from None
    today = today or dt.date.today()
    if birth.year < 1900 or birth > today:
        raise NipError(str(_l("The birth date in the NIP is not plausible.")))
    tmt_year, tmt_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= tmt_month <= 12:
        raise NipError(str(_l("Digits 9-14 of the NIP are not a real TMT CPNS month (YYYYMM).")))
    if (tmt_year, tmt_month) < (birth.year + 18, birth.month):
        raise NipError(str(_l("The TMT CPNS in the NIP is before the 18th birthday.")))
    if (tmt_year, tmt_month) > (today.year + 1, 12):
        raise NipError(str(_l("The TMT CPNS in the NIP is in the future.")))
    gender = GENDER_BY_DIGIT.get(nip[14])
    if gender is None:
        raise NipError(str(_l("Digit 15 of the NIP (gender) must be 1 or 2.")))
    sequence = int(nip[15:18])
    if sequence == 0:
        raise NipError(str(_l("The last three digits of the NIP (sequence) cannot be 000.")))
    return NipInfo(nip, birth, tmt_year, tmt_month, gender, sequence)


def is_valid_nip(value: str | None) -> bool:
    try:
        parse_nip(value)
    except NipError:
        return False
    return True


def format_nip(value: str | None) -> str:
    """``196804111993031009`` -> ``19680411 199303 1 009``; anything else unchanged."""
    nip = normalize_nip(value)
    if not _DIGITS.fullmatch(nip):
        return value or ""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def make_nip(birth: dt.date, tmt_year: int, tmt_month: int, gender: str, sequence: int) -> str:
    """Compose a NIP from its parts (demo data and tests)."""
    digit = {"L": "1", "P": "2"}[gender]
    return f"{birth:%Y%m%d}{tmt_year:04d}{tmt_month:02d}{digit}{sequence:03d}"

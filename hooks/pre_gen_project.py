"""Validate every answer before cookiecutter renders a single file.

Each ``validate_*`` function is pure: it takes the answer (and, for the region
code, the region type) and returns ``None`` when the answer is good, or one line
in Bahasa Indonesia naming the field, the value given and what is expected.
``main()`` prints the first such line to stderr and exits 1; cookiecutter then
deletes the half-made output folder.

The module is imported un-rendered by the template's unit tests, so the
cookiecutter placeholder lives only inside ``load_answers``.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

REGION_TYPES = ("kabupaten", "kota", "provinsi")
LOCALES = ("id", "en")
DATABASES = ("sqlite", "postgresql")
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
TIMEZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

NAME_PUNCTUATION = " -'’."
SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
PROVINCE_CODE_RE = re.compile(r"^[0-9]{2}$")
REGENCY_CODE_RE = re.compile(r"^[0-9]{2}\.[0-9]{2}$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
HOST_RE = re.compile(
    r"^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$"
)
PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ().-]*[0-9]$")
PHONE_DIGITS = (6, 15)
NAME_LENGTH = (3, 100)
SLUG_MAX_LENGTH = 60
TEXT_MAX_LENGTH = 200


def invalid(field: str, value: object, expected: str) -> str:
    """The one error line: field, value given, what is expected."""
    return f'{field} "{value}" tidak valid: {expected}'


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char).startswith("C") for char in value)


def validate_region_name(value: str) -> str | None:
    """Letters, spaces, hyphens, apostrophes and dots: "Kota Bau-Bau", "Kabupaten Toli'toli"."""
    expected = (
        f"tulis nama daerah {NAME_LENGTH[0]}-{NAME_LENGTH[1]} karakter, diawali huruf, "
        "berisi huruf, angka, spasi, tanda hubung (-), apostrof (') atau titik "
        "(mis. Kota Bau-Bau)"
    )
    if not NAME_LENGTH[0] <= len(value) <= NAME_LENGTH[1]:
        return invalid("region_name", value, expected)
    if value != value.strip() or "  " in value or not value[0].isalpha():
        return invalid("region_name", value, expected)
    if not all(char.isalnum() or char in NAME_PUNCTUATION for char in value):
        return invalid("region_name", value, expected)
    return None


def validate_region_slug(value: str) -> str | None:
    """Lowercase ASCII letters and digits in words joined by single hyphens."""
    if len(value) <= SLUG_MAX_LENGTH and SLUG_RE.match(value):
        return None
    return invalid(
        "region_slug",
        value,
        f"gunakan huruf kecil, angka dan tanda hubung, diawali huruf, paling panjang "
        f"{SLUG_MAX_LENGTH} karakter (mis. kota-bau-bau)",
    )


def validate_region_type(value: str) -> str | None:
    if value in REGION_TYPES:
        return None
    return invalid("region_type", value, f"pilih salah satu: {', '.join(REGION_TYPES)}")


def validate_region_code(value: str, region_type: str) -> str | None:
    """Kemendagri code: "NN" for a province, "NN.NN" for a kabupaten or kota; no part is 00."""
    if region_type == "provinsi":
        ok = bool(PROVINCE_CODE_RE.match(value)) and value != "00"
        expected = "gunakan format NN untuk provinsi (dua angka, mis. 91)"
    else:
        ok = bool(REGENCY_CODE_RE.match(value)) and "00" not in value.split(".")
        expected = "gunakan format NN.NN untuk kabupaten/kota (mis. 33.01)"
    return None if ok else invalid("region_code", value, expected)


def validate_text(field: str, value: str) -> str | None:
    """A free one-line text (agency name, address): not empty, no quotes or backslashes."""
    if (
        value.strip()
        and value == value.strip()
        and len(value) <= TEXT_MAX_LENGTH
        and not _has_control_characters(value)
        and '"' not in value
        and "\\" not in value
    ):
        return None
    return invalid(
        field,
        value,
        f"isi satu baris teks (paling panjang {TEXT_MAX_LENGTH} karakter) tanpa tanda "
        'petik ganda (") atau garis miring terbalik (\\)',
    )


def validate_agency_name(value: str) -> str | None:
    return validate_text("agency_name", value)


def validate_address(value: str) -> str | None:
    return validate_text("address", value)


def validate_email(value: str, field: str = "email") -> str | None:
    if len(value) <= 254 and EMAIL_RE.match(value):
        return None
    return invalid(field, value, "gunakan alamat email yang lengkap (mis. diskominfo@contoh.go.id)")


def validate_admin_email(value: str) -> str | None:
    return validate_email(value, field="admin_email")


def validate_website(value: str) -> str | None:
    expected = "gunakan alamat web lengkap yang diawali http:// atau https:// (mis. https://contoh.go.id)"
    if any(char.isspace() for char in value) or '"' in value or "\\" in value:
        return invalid("website", value, expected)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return invalid("website", value, expected)
    if parts.scheme not in ("http", "https") or not HOST_RE.match(host):
        return invalid("website", value, expected)
    return None


def validate_phone(value: str) -> str | None:
    """Digits with optional +, spaces, parentheses, dots and hyphens: "(0271) 123456"."""
    digits = sum(char.isdigit() for char in value)
    if PHONE_RE.match(value) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return None
    return invalid(
        "phone",
        value,
        f"gunakan {PHONE_DIGITS[0]}-{PHONE_DIGITS[1]} angka, boleh dengan +, spasi, "
        "tanda kurung atau tanda hubung (mis. (0271) 123456)",
    )


def normalize_timezone(value: str) -> str | None:
    """The IANA name for an accepted answer (any case; WIB/WITA/WIT too), else None."""
    text = value.strip()
    if text != value:
        return None
    if text.upper() in TIMEZONE_ALIASES:
        return TIMEZONE_ALIASES[text.upper()]
    for name in TIMEZONES:
        if text.lower() == name.lower():
            return name
    return None


def validate_timezone(value: str) -> str | None:
    if normalize_timezone(value) is not None:
        return None
    return invalid(
        "timezone",
        value,
        "gunakan Asia/Jakarta (WIB), Asia/Makassar (WITA) atau Asia/Jayapura (WIT)",
    )


def validate_locale(value: str) -> str | None:
    if value in LOCALES:
        return None
    return invalid("default_locale", value, "pilih id (Bahasa Indonesia) atau en (English)")


def validate_database(value: str) -> str | None:
    if value in DATABASES:
        return None
    return invalid("database", value, "pilih sqlite atau postgresql")


def validate_answers(answers: dict) -> str | None:
    """The first error among all answers, in the order cookiecutter asks them."""

    def answer(key: str) -> str:
        value = answers.get(key, "")
        return value if isinstance(value, str) else str(value)

    checks: list[Callable[[], str | None]] = [
        lambda: validate_region_name(answer("region_name")),
        lambda: validate_region_type(answer("region_type")),
        lambda: validate_region_slug(answer("region_slug")),
        lambda: validate_region_code(answer("region_code"), answer("region_type")),
        lambda: validate_agency_name(answer("agency_name")),
        lambda: validate_address(answer("address")),
        lambda: validate_phone(answer("phone")),
        lambda: validate_email(answer("email")),
        lambda: validate_website(answer("website")),
        lambda: validate_timezone(answer("timezone")),
        lambda: validate_locale(answer("default_locale")),
        lambda: validate_database(answer("database")),
        lambda: validate_admin_email(answer("admin_email")),
    ]
    for check in checks:
        error = check()
        if error:
            return error
    return None


def load_answers() -> dict:
    """The answers, rendered in by cookiecutter (a raw string keeps JSON escapes intact)."""
    return json.loads(r"""{{ cookiecutter | jsonify }}""")


def main() -> int:
    error = validate_answers(load_answers())
    if error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

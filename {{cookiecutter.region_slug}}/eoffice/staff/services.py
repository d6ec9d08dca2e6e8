"""Rules of staff records, shared by the forms, the import and the CLI.

``clean_staff`` is the one place that checks a staff record; the form and every
import row go through it, so a rule is never checked twice in two ways.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from eoffice import audit
from eoffice.extensions import db
from eoffice.inputs import CONTROL_MESSAGE, has_control_characters
from eoffice.org.models import JABATAN_TYPES, Unit
from eoffice.staff.models import EMPLOYMENT_TYPES, GENDERS, STATUSES, Golongan, Staff
from eoffice.staff.nip import NipError, normalize_nip, parse_nip

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{5,32}$")
PPPK_RE = re.compile(r"^[0-9]{8,32}$")

# Aliases people write in spreadsheets -> stored value.
EMPLOYMENT_ALIASES = {"pns": "pns", "pppk": "pppk", "non_asn": "non_asn", "non-asn": "non_asn",
                      "nonasn": "non_asn", "non asn": "non_asn", "honorer": "non_asn"}
GENDER_ALIASES = {"l": "L", "laki-laki": "L", "laki laki": "L", "pria": "L", "m": "L",
                  "p": "P", "perempuan": "P", "wanita": "P", "f": "P"}
STATUS_ALIASES = {"aktif": "aktif", "pensiun": "pensiun", "pindah": "pindah",
                  "active": "aktif", "retired": "pensiun", "moved": "pindah"}


class StaffError(ValueError):
    """Errors by field; ``errors`` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Lookups:
    """What a check needs from the database, loaded once (an import reuses it)."""

    golongan: set[str]
    units_by_id: dict[int, str]
    units_by_code: dict[str, int]
    nips: dict[str, int] = field(default_factory=dict)
    pppk_numbers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, with_numbers: bool = False) -> Lookups:
        lookups = cls(
            golongan=set(db.session.scalars(sa.select(Golongan.code))),
            units_by_id=dict(db.session.execute(sa.select(Unit.id, Unit.code)).all()),
            units_by_code=dict(db.session.execute(sa.select(Unit.code, Unit.id)).all()),
        )
        if with_numbers:
            lookups.nips = dict(db.session.execute(
                sa.select(Staff.nip, Staff.id).where(Staff.nip.is_not(None))).all())
            lookups.pppk_numbers = dict(db.session.execute(
                sa.select(Staff.pppk_number, Staff.id).where(Staff.pppk_number.is_not(None))).all())
        return lookups


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # undo the formula guard of our own export
    return text


def parse_date(value: Any) -> dt.date | None:
    """ISO (2024-01-31), Indonesian (31-01-2024, 31/01/2024) or a spreadsheet date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def clean_staff(raw: dict[str, Any], lookups: Lookups, *, staff_id: int | None = None,
                check_unique=None) -> dict[str, Any]:
    """Check one record; return the values to store, or raise StaffError.

    ``raw`` holds: nip, pppk_number, front_title, name, back_title, gender,
    birth_place, birth_date, employment_type, golongan_code, jabatan_type,
    jabatan_name, unit_id or unit_code, phone, email, status.
    ``check_unique(kind, number)`` returns the id of the record that holds the
    number; by default ``lookups`` or the database answers.
    """
    unsafe = {key: str(CONTROL_MESSAGE) for key, value in raw.items()
              if isinstance(value, str) and has_control_characters(value)}
    if unsafe:  # a form, an import row or the API: never as far as the database
        raise StaffError(unsafe)
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    out["name"] = _text(raw.get("name"))
    if not out["name"]:
        errors["name"] = str(_l("The name is required."))
    elif len(out["name"]) > 150:
        errors["name"] = str(_l("The name is longer than 150 characters."))
    for key, limit in (("front_title", 50), ("back_title", 80), ("birth_place", 100),
                       ("jabatan_name", 200)):
        out[key] = _text(raw.get(key)) or None
        if out[key] and len(out[key]) > limit:
            errors[key] = str(_l("Longer than %(n)d characters.", n=limit))

    employment = EMPLOYMENT_ALIASES.get(_text(raw.get("employment_type")).lower())
    if employment not in EMPLOYMENT_TYPES:
        errors["employment_type"] = str(_l("Employment type must be PNS, PPPK or non-ASN."))
    out["employment_type"] = employment

    gender_text = _text(raw.get("gender")).lower()
    gender = GENDER_ALIASES.get(gender_text) if gender_text else None
    if gender_text and gender is None:
        errors["gender"] = str(_l("Gender must be L (male) or P (female)."))

    try:
        birth_date = parse_date(raw.get("birth_date"))
    except ValueError:
        birth_date = None
        errors["birth_date"] = str(_l("Not a date; use YYYY-MM-DD or DD-MM-YYYY."))

    raw_nip = raw.get("nip")
    # A spreadsheet number holds 15 significant digits; an 18-digit NIP in a number
    # cell has lost its last digits (or will, in the next program that opens it).
    if isinstance(raw_nip, int | float) and not isinstance(raw_nip, bool):
        errors["nip"] = str(_l("The NIP was stored as a number and lost digits; format the "
                               "NIP column as text."))
        nip = ""
    else:
        nip = normalize_nip(_text(raw_nip))
    pppk = re.sub(r"\s", "", _text(raw.get("pppk_number")))
    out["nip"], out["pppk_number"] = nip or None, pppk or None

    def holder_of(kind: str, number: str) -> int | None:
        if check_unique:
            return check_unique(kind, number)
        table = lookups.nips if kind == "nip" else lookups.pppk_numbers
        if table:
            return table.get(number)
        column = Staff.nip if kind == "nip" else Staff.pppk_number
        return db.session.scalar(sa.select(Staff.id).where(column == number))

    if employment == "pns":
        if not nip:
            errors.setdefault("nip", str(_l("A PNS needs a NIP.")))
        else:
            try:
                info = parse_nip(nip)
            except NipError as exc:
                errors["nip"] = str(exc)
            else:
                if gender and gender != info.gender:
                    errors["gender"] = str(_l("Gender does not match digit 15 of the NIP."))
                gender = info.gender
                if birth_date and birth_date != info.birth_date:
                    errors["birth_date"] = str(_l("Birth date does not match the NIP (%(d)s).",
                                                  d=info.birth_date.isoformat()))
                birth_date = info.birth_date
        if pppk:
            errors["pppk_number"] = str(_l("A PNS has a NIP, not a PPPK number."))
    elif employment == "pppk":
        if not pppk:
            errors["pppk_number"] = str(_l("A PPPK employee needs their PPPK number."))
        elif not PPPK_RE.match(pppk):
            errors["pppk_number"] = str(_l("A PPPK number has 8 to 32 digits."))
        if nip:
            errors.setdefault("nip", str(_l("Only PNS have a NIP; leave it empty.")))
    elif employment == "non_asn" and (nip or pppk):
        errors.setdefault("nip", str(_l("Non-ASN staff have neither NIP nor PPPK number.")))

    for key, kind, number in (("nip", "nip", nip), ("pppk_number", "pppk", pppk)):
        if not number or key in errors:
            continue
        holder = holder_of(kind, number)
        if holder is not None and holder < 0:  # an earlier row of the same import file
            errors[key] = str(_l("%(n)s already appears in row %(r)d of this file.",
                                 n=number, r=-holder))
        elif holder is not None and holder != staff_id:
            errors[key] = str(_l("%(n)s is already registered to another staff member.",
                                 n=number))

    if gender not in GENDERS and not (employment == "pns" and "nip" in errors):
        # (a PNS's gender comes from the NIP: a broken NIP is the one problem to report)
        errors.setdefault("gender", str(_l("Gender is required (L or P).")))
    out["gender"], out["birth_date"] = gender, birth_date
    if birth_date and birth_date > dt.date.today():
        errors["birth_date"] = str(_l("The birth date is in the future."))

    golongan = _text(raw.get("golongan_code")).upper().replace(" ", "") or None
    if golongan:
        golongan = golongan[:-1] + golongan[-1].lower() if "/" in golongan else golongan
        if golongan not in lookups.golongan:
            errors["golongan_code"] = str(_l("Unknown golongan %(g)s; use I/a to IV/e.",
                                             g=_text(raw.get("golongan_code"))))
        elif employment != "pns":
            errors["golongan_code"] = str(_l("Golongan/pangkat applies to PNS only."))
    elif employment == "pns":
        errors["golongan_code"] = str(_l("A PNS needs a golongan (I/a to IV/e)."))
    out["golongan_code"] = golongan

    jabatan = _text(raw.get("jabatan_type")).lower() or None
    if jabatan and jabatan not in JABATAN_TYPES:
        errors["jabatan_type"] = str(_l("Jabatan type must be one of: %(t)s.",
                                        t=", ".join(JABATAN_TYPES)))
    out["jabatan_type"] = jabatan

    unit_id = raw.get("unit_id")
    unit_code = _text(raw.get("unit_code"))
    if unit_code:
        unit_id = lookups.units_by_code.get(unit_code)
        if unit_id is None:
            errors["unit_code"] = str(_l("Unknown unit code %(c)s.", c=unit_code))
    elif unit_id not in (None, "", 0):
        unit_id = int(unit_id)
        if unit_id not in lookups.units_by_id:
            errors["unit_id"] = str(_l("The unit does not exist."))
    else:
        unit_id = None
    out["unit_id"] = unit_id

    out["phone"] = _text(raw.get("phone")) or None
    if out["phone"] and not PHONE_RE.match(out["phone"]):
        errors["phone"] = str(_l("A phone number has digits, spaces, +, -, ( or )."))
    out["email"] = _text(raw.get("email")).lower() or None
    if out["email"] and not EMAIL_RE.match(out["email"]):
        errors["email"] = str(_l("Not an email address."))

    status_text = _text(raw.get("status")).lower() or "aktif"
    out["status"] = STATUS_ALIASES.get(status_text)
    if out["status"] not in STATUSES:
        errors["status"] = str(_l("Status must be aktif, pensiun or pindah."))

    if errors:
        raise StaffError(errors)
    return out


def save_staff(staff: Staff | None, raw: dict[str, Any], *, actor=None) -> Staff:
    """Create or update a record after checking it; raises StaffError."""
    values = clean_staff(raw, Lookups.load(), staff_id=staff.id if staff else None)
    is_new = staff is None
    staff = staff or Staff()
    before = {k: getattr(staff, k) for k in values} if not is_new else {}
    for key, value in values.items():
        setattr(staff, key, value)
    db.session.add(staff)
    db.session.flush()
    changed = {k: [str(before.get(k)), str(v)] for k, v in values.items()
               if not is_new and before.get(k) != v}
    audit.record("staff.created" if is_new else "staff.updated", staff, actor=actor,
                 data={"changed": changed} if changed else {"name": staff.name})
    return staff


# --- Listing ---------------------------------------------------------------------

@dataclass
class StaffFilter:
    q: str = ""
    unit_id: int | None = None
    employment_type: str = ""
    golongan_code: str = ""
    jabatan_type: str = ""
    status: str = ""


def visible_unit_ids(user) -> set[int] | None:
    """Units whose staff ``user`` may list: None means all (see security.staff_scope)."""
    from eoffice.security import staff_scope

    return staff_scope(user)


def staff_query(filters: StaffFilter, user) -> sa.Select:
    query = sa.select(Staff).options(
        joinedload(Staff.unit), joinedload(Staff.golongan), joinedload(Staff.position))
    return query.where(*staff_conditions(filters, user)).order_by(Staff.name, Staff.id)


def staff_conditions(filters: StaffFilter, user) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of a staff list: what ``user`` may see, narrowed by ``filters``.

    Built at once (the user's scope and the units below a chosen unit are read now), so
    they hold plain values and can be used after the request's session is gone."""
    from eoffice.org.services import descendant_unit_ids

    conditions: list[sa.ColumnElement[bool]] = []
    scope = visible_unit_ids(user)
    if scope is not None:
        conditions.append(sa.or_(Staff.unit_id.in_(scope),
                                 Staff.id == getattr(user, "staff_id", None)))
    if filters.q:
        term = filters.q.strip()
        digits = normalize_nip(term)
        matches = [Staff.name.ilike(f"%{term}%"), Staff.jabatan_name.ilike(f"%{term}%")]
        if digits.isdigit():
            matches += [Staff.nip.like(f"{digits}%"), Staff.pppk_number.like(f"{digits}%")]
        conditions.append(sa.or_(*matches))
    if filters.unit_id:
        conditions.append(Staff.unit_id.in_(descendant_unit_ids(filters.unit_id)))
    if filters.employment_type:
        conditions.append(Staff.employment_type == filters.employment_type)
    if filters.golongan_code:
        conditions.append(Staff.golongan_code == filters.golongan_code)
    if filters.jabatan_type:
        conditions.append(Staff.jabatan_type == filters.jabatan_type)
    if filters.status:
        conditions.append(Staff.status == filters.status)
    return conditions


def golongan_choices() -> list[tuple[str, str]]:
    return [(g.code, g.label) for g in db.session.scalars(
        sa.select(Golongan).order_by(Golongan.rank))]


def staff_by_number(number: str) -> Staff | None:
    digits = normalize_nip(number)
    if not digits:
        return None
    return db.session.scalar(sa.select(Staff).where(
        sa.or_(Staff.nip == digits, Staff.pppk_number == digits)))


def count_by_status() -> dict[str, int]:
    return dict(db.session.execute(
        sa.select(Staff.status, sa.func.count()).group_by(Staff.status)).all())

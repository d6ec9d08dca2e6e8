"""The rules of a staff record (clean_staff), shared by the form, the import and the CLI,
and save_staff with its audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from eoffice import audit
from eoffice.extensions import db
from eoffice.reference import golongan_rows
from eoffice.staff.models import Staff
from eoffice.staff.services import (
    Lookups,
    StaffError,
    clean_staff,
    save_staff,
    staff_by_number,
)
from tests.helpers import count

NIP_P = "198502152010122001"  # born 1985-02-15, TMT CPNS 2010-12, perempuan, no. 001
NIP_L = "196804111993031009"  # born 1968-04-11, TMT CPNS 1993-03, laki-laki, no. 009
ALL_GOLONGAN = [row["code"] for row in golongan_rows()]


def pns(**values) -> dict:
    return {"name": "Siti Aminah", "employment_type": "pns", "nip": NIP_P,
            "golongan_code": "III/a"} | values


def pppk(**values) -> dict:
    return {"name": "Rina Wati", "employment_type": "pppk", "pppk_number": "198702012022212001",
            "gender": "P"} | values


def non_asn(**values) -> dict:
    return {"name": "Joko Susilo", "employment_type": "non_asn", "gender": "L"} | values


def errors_of(raw: dict, **kwargs) -> dict[str, str]:
    with pytest.raises(StaffError) as caught:
        clean_staff(raw, Lookups.load(), **kwargs)
    return caught.value.errors


def clean(raw: dict, **kwargs) -> dict:
    return clean_staff(raw, Lookups.load(), **kwargs)


# --- PNS ----------------------------------------------------------------------------------

def test_pns_takes_gender_and_birth_date_from_the_nip(app):
    out = clean(pns(nip="19850215 201012 2 001"))
    assert out["nip"] == NIP_P
    assert out["gender"] == "P"
    assert out["birth_date"] == dt.date(1985, 2, 15)
    assert out["status"] == "aktif"
    assert out["pppk_number"] is None


def test_pns_needs_a_nip(app):
    assert errors_of(pns(nip=""))["nip"] == "A PNS needs a NIP."


def test_pns_needs_a_golongan(app):
    assert "golongan" in errors_of(pns(golongan_code=""))["golongan_code"]


def test_pns_with_a_broken_nip_gets_the_nip_rule(app):
    assert "Digit 15" in errors_of(pns(nip=NIP_P[:14] + "5" + NIP_P[15:]))["nip"]
    assert "18 digits" in errors_of(pns(nip="1985"))["nip"]


def test_pns_gender_must_match_the_nip(app):
    assert errors_of(pns(gender="L"))["gender"] == "Gender does not match digit 15 of the NIP."
    assert clean(pns(gender="perempuan"))["gender"] == "P"


def test_pns_birth_date_must_match_the_nip(app):
    errors = errors_of(pns(birth_date="1985-02-16"))
    assert errors["birth_date"] == "Birth date does not match the NIP (1985-02-15)."
    assert clean(pns(birth_date="15-02-1985"))["birth_date"] == dt.date(1985, 2, 15)


def test_pns_has_no_pppk_number(app):
    assert "pppk_number" in errors_of(pns(pppk_number="12345678"))


@pytest.mark.parametrize("code", ALL_GOLONGAN)
def test_all_17_golongan_are_accepted(app, code):
    assert len(ALL_GOLONGAN) == 17
    assert clean(pns(golongan_code=code))["golongan_code"] == code


@pytest.mark.parametrize(("typed", "stored"), [("iii/a", "III/a"), ("IV / e", "IV/e"),
                                                (" II/C ", "II/c")])
def test_golongan_as_people_type_it(app, typed, stored):
    assert clean(pns(golongan_code=typed))["golongan_code"] == stored


@pytest.mark.parametrize("code", ["V/a", "III/f", "3a", "IIIa", "I/"])
def test_unknown_golongan_is_refused(app, code):
    assert "Unknown golongan" in errors_of(pns(golongan_code=code))["golongan_code"]


@pytest.mark.parametrize("nip", [1.96804111993031e17, 196804111993031009])
def test_nip_stored_as_a_spreadsheet_number_is_refused(app, nip):
    message = errors_of(pns(nip=nip))["nip"]
    assert "stored as a number" in message


# --- PPPK and non-ASN ---------------------------------------------------------------------

def test_valid_pppk(app):
    out = clean(pppk(pppk_number="1987 0201 2022 2120 01", golongan_code=""))
    assert out["pppk_number"] == "198702012022212001"
    assert out["nip"] is None and out["golongan_code"] is None


def test_pppk_needs_a_number_of_8_to_32_digits(app):
    assert errors_of(pppk(pppk_number=""))["pppk_number"] == \
        "A PPPK employee needs their PPPK number."
    for bad in ("1234567", "12345678x", "1" * 33):
        assert errors_of(pppk(pppk_number=bad))["pppk_number"] == \
            "A PPPK number has 8 to 32 digits."


def test_pppk_has_no_nip_and_no_golongan(app):
    assert errors_of(pppk(nip=NIP_P))["nip"] == "Only PNS have a NIP; leave it empty."
    assert errors_of(pppk(golongan_code="III/a"))["golongan_code"] == \
        "Golongan/pangkat applies to PNS only."


def test_pppk_and_non_asn_need_a_gender(app):
    assert errors_of(pppk(gender=""))["gender"] == "Gender is required (L or P)."
    assert errors_of(non_asn(gender="X"))["gender"] == "Gender must be L (male) or P (female)."


def test_non_asn_has_no_numbers(app):
    assert "neither NIP nor PPPK" in errors_of(non_asn(nip=NIP_L))["nip"]
    assert "neither NIP nor PPPK" in errors_of(non_asn(pppk_number="12345678"))["nip"]
    assert clean(non_asn())["employment_type"] == "non_asn"


@pytest.mark.parametrize(("typed", "stored"), [("PNS", "pns"), ("Honorer", "non_asn"),
                                                ("NON-ASN", "non_asn"), ("non asn", "non_asn")])
def test_employment_type_aliases(app, typed, stored):
    raw = pns(employment_type=typed) if stored == "pns" else non_asn(employment_type=typed)
    assert clean(raw)["employment_type"] == stored


def test_unknown_employment_type_is_refused(app):
    assert "employment_type" in errors_of(non_asn(employment_type="kontrak"))


# --- Other fields -------------------------------------------------------------------------

def test_name_is_required_and_limited(app):
    assert errors_of(non_asn(name="  "))["name"] == "The name is required."
    assert "150" in errors_of(non_asn(name="A" * 151))["name"]


@pytest.mark.parametrize("email", ["bukan-email", "a@b", "dua@@contoh.go.id", "a b@c.id"])
def test_bad_email_is_refused(app, email):
    assert errors_of(non_asn(email=email))["email"] == "Not an email address."


def test_email_is_stored_lowercase(app):
    assert clean(non_asn(email=" Siti.Aminah@Contoh.GO.id "))["email"] == "siti.aminah@contoh.go.id"


@pytest.mark.parametrize("phone", ["0812-3456-7890", "+62 271 123456", "(0271) 123456"])
def test_good_phone_numbers(app, phone):
    assert clean(non_asn(phone=phone))["phone"] == phone


@pytest.mark.parametrize("phone", ["telepon", "0812", "0812;DROP TABLE", "+62 812 x"])
def test_bad_phone_numbers(app, phone):
    assert "phone" in errors_of(non_asn(phone=phone))


def test_dates_in_several_formats(app):
    for typed in ("1990-05-17", "17-05-1990", "17/05/1990", "17.05.1990", dt.date(1990, 5, 17),
                  dt.datetime(1990, 5, 17, 0, 0)):
        assert clean(non_asn(birth_date=typed))["birth_date"] == dt.date(1990, 5, 17)


def test_impossible_or_future_dates_are_refused(app):
    assert "Not a date" in errors_of(non_asn(birth_date="31-02-1990"))["birth_date"]
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert errors_of(non_asn(birth_date=future))["birth_date"] == \
        "The birth date is in the future."


def test_status_default_aliases_and_unknown(app):
    assert clean(non_asn())["status"] == "aktif"
    assert clean(non_asn(status="Retired"))["status"] == "pensiun"
    assert "status" in errors_of(non_asn(status="cuti"))


def test_jabatan_type_must_be_known(app):
    assert clean(non_asn(jabatan_type="Fungsional"))["jabatan_type"] == "fungsional"
    assert "jabatan_type" in errors_of(non_asn(jabatan_type="direktur"))


def test_unit_by_code_or_id_must_exist(app, create_unit):
    unit = create_unit(code="DISKOMINFO")
    assert clean(non_asn(unit_code="DISKOMINFO"))["unit_id"] == unit.id
    assert clean(non_asn(unit_id=unit.id))["unit_id"] == unit.id
    assert "Unknown unit code" in errors_of(non_asn(unit_code="TIDAKADA"))["unit_code"]
    assert errors_of(non_asn(unit_id=unit.id + 1000))["unit_id"] == "The unit does not exist."


def test_all_problems_of_a_record_are_reported_together(app):
    errors = errors_of({"name": "", "employment_type": "pns", "nip": "123",
                        "golongan_code": "V/z", "email": "x", "phone": "y", "status": "?"})
    assert {"name", "nip", "golongan_code", "email", "phone", "status"} <= set(errors)


def test_formula_guard_of_our_export_is_undone(app):
    assert clean(non_asn(phone="'+62 271 123456"))["phone"] == "+62 271 123456"


# --- Unique numbers -----------------------------------------------------------------------

def test_duplicate_nip_is_refused(app, create_staff):
    existing = create_staff(nip=NIP_L)
    assert errors_of(pns(nip=NIP_L, name="Orang Lain"))["nip"] == \
        f"{NIP_L} is already registered to another staff member."
    # The record itself keeps its own NIP when it is edited.
    assert clean(pns(nip=NIP_L), staff_id=existing.id)["nip"] == NIP_L


def test_duplicate_pppk_number_is_refused(app, create_staff):
    create_staff(employment_type="pppk", pppk_number="198702012022212001")
    assert "already registered" in errors_of(pppk())["pppk_number"]


# --- save_staff ---------------------------------------------------------------------------

def test_save_staff_creates_and_audits(app, admin):
    staff = save_staff(None, pns(), actor=admin)
    assert staff.id is not None and staff.nip == NIP_P
    events = audit.events_for("staff", staff.id)
    assert [e.action for e in events] == ["staff.created"]
    assert events[0].actor_id == admin.id
    assert events[0].data == {"name": "Siti Aminah"}


def test_save_staff_update_records_what_changed(app, admin):
    staff = save_staff(None, pns(), actor=admin)
    save_staff(staff, pns(name="Siti Aminah Lubis", golongan_code="III/b"), actor=admin)
    events = audit.events_for("staff", staff.id)
    assert [e.action for e in events] == ["staff.created", "staff.updated"]
    assert events[1].data["changed"] == {"name": ["Siti Aminah", "Siti Aminah Lubis"],
                                         "golongan_code": ["III/a", "III/b"]}


def test_save_staff_with_errors_saves_nothing(app):
    before = (count(Staff), count(audit.AuditEvent))
    with pytest.raises(StaffError):
        save_staff(None, pns(nip="123"))
    db.session.flush()
    assert (count(Staff), count(audit.AuditEvent)) == before


def test_staff_by_number_finds_nip_and_pppk(app, create_staff):
    pns_staff = create_staff(nip=NIP_L)
    pppk_staff = create_staff(employment_type="pppk", pppk_number="198702012022212001")
    assert staff_by_number("19680411 199303 1 009") is pns_staff
    assert staff_by_number("198702012022212001") is pppk_staff
    assert staff_by_number("") is None
    assert staff_by_number("000000000000000000") is None

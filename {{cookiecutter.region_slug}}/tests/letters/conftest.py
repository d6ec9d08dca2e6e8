"""An office for letter tests: Kepala Dinas above Sekretaris and two Kabid, staff below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from eoffice.testing.pytest_plugin import enrol_test_signer

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" \
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


#: Users of the office enrolled with a signing certificate (passphrase
#: TEST_SIGNING_PASSPHRASE of the test plugin).
SIGNATORIES = ("kadis", "sekretaris", "kabid_a", "kabid_b", "other_head")


@dataclass
class Office:
    dinas: object
    bidang_a: object
    bidang_b: object
    other: object
    kadis: object  # positions
    sekretaris: object
    kabid_a: object
    kabid_b: object
    staf_a: object
    other_head: object
    users: dict  # key -> User


@pytest.fixture
def office(app, create_unit, create_position, create_staff, create_user):
    from eoffice.extensions import db

    dinas = create_unit(name="Dinas Kominfo", kind="opd")
    bidang_a = create_unit(name="Bidang Aptika", kind="bidang", parent=dinas)
    bidang_b = create_unit(name="Bidang IKP", kind="bidang", parent=dinas)
    other = create_unit(name="Dinas Lain", kind="opd")
    people = {key: create_staff(name=f"Pegawai {key}", unit=unit) for key, unit in [
        ("kadis", dinas), ("sekretaris", dinas), ("clerk", dinas), ("kabid_a", bidang_a),
        ("kabid_b", bidang_b), ("staf_a", bidang_a), ("other_head", other),
        ("other_clerk", other)]}
    kadis = create_position(dinas, "Kepala Dinas", holder=people["kadis"], is_head=True,
                            jabatan_type="jpt")
    sekretaris = create_position(dinas, "Sekretaris", holder=people["sekretaris"], parent=kadis)
    clerk_pos = create_position(dinas, "Pengadministrasi Umum", holder=people["clerk"],
                                parent=sekretaris)
    kabid_a = create_position(bidang_a, "Kabid Aptika", holder=people["kabid_a"], parent=kadis,
                              is_head=True)
    kabid_b = create_position(bidang_b, "Kabid IKP", holder=people["kabid_b"], parent=kadis,
                              is_head=True)
    staf_a = create_position(bidang_a, "Pranata Komputer", holder=people["staf_a"],
                             parent=kabid_a)
    other_head = create_position(other, "Kepala Dinas Lain", holder=people["other_head"],
                                 is_head=True)
    create_position(other, "Pencatat Lain", holder=people["other_clerk"], parent=other_head)
    del clerk_pos
    roles = {"kadis": ["pimpinan", "pegawai"], "sekretaris": ["pegawai"],
             "clerk": ["pencatat", "pegawai"], "kabid_a": ["pimpinan", "pegawai"],
             "kabid_b": ["pimpinan", "pegawai"], "staf_a": ["pegawai"],
             "other_head": ["pimpinan", "pegawai"], "other_clerk": ["pencatat", "pegawai"]}
    users = {key: create_user(username=key.replace("_", ""), roles=roles[key],
                              staff=people[key], full_name=people[key].name) for key in roles}
    users["admin"] = create_user(username="admin1", roles=["admin"])
    for key in SIGNATORIES:  # the heads who sign letters in the tests, with a certificate
        enrol_test_signer(users[key])
    db.session.commit()
    return Office(dinas, bidang_a, bidang_b, other, kadis, sekretaris, kabid_a, kabid_b, staf_a,
                  other_head, users)


@pytest.fixture
def register(app):
    """register(office, **overrides) -> IncomingLetter, registered by the clerk."""
    from eoffice.extensions import db
    from eoffice.letters.services import LetterInput, register_letter

    counter = {"n": 0}

    def _register(office, *, to=None, cc=(), security="B", speed="biasa", uploads=(), **extra):
        counter["n"] += 1
        by = extra.pop("by", "clerk")
        data = LetterInput(
            sender=extra.pop("sender", "Kementerian Dalam Negeri"),
            sender_number=extra.pop("sender_number", f"000.1/{counter['n']}/SJ"),
            letter_date=extra.pop("letter_date", dt.date.today() - dt.timedelta(days=2)),
            received_date=extra.pop("received_date", dt.date.today() - dt.timedelta(days=1)),
            subject=extra.pop("subject", f"Undangan rapat koordinasi {counter['n']}"),
            security=security, speed=speed,
            to_positions=[p.id for p in (to or [office.kadis])],
            cc_positions=[p.id for p in cc], uploads=list(uploads), **extra)
        letter = register_letter(data, actor=office.users[by])
        db.session.commit()
        return letter

    return _register


# --- Files of every kind an upload may really be ---------------------------------------

def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


PNG_BYTES = _png()
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def letter_form(office, **overrides) -> dict:
    """POST data of the registration form: a valid letter unless overridden."""
    from eoffice.letters.services import today_local

    today = today_local()
    data = {
        "sender": "Kementerian Dalam Negeri", "sender_number": "000.1/777/SJ",
        "letter_date": (today - dt.timedelta(days=3)).isoformat(),
        "received_date": (today - dt.timedelta(days=1)).isoformat(),
        "subject": "Undangan rapat koordinasi SPBE", "summary": "", "security": "B",
        "speed": "biasa", "to_positions": [str(office.kadis.id)], "physical_attachments": "0",
    }
    data.update(overrides)
    return data


def letter_count() -> int:
    import sqlalchemy as sa

    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    return db.session.scalar(sa.select(sa.func.count()).select_from(IncomingLetter))


@pytest.fixture
def instructions(app):
    """The seeded standard instructions, by text."""
    import sqlalchemy as sa

    from eoffice.dispositions.models import DispositionInstruction
    from eoffice.extensions import db

    return {i.text: i for i in db.session.scalars(sa.select(DispositionInstruction))}

"""Outgoing letters: the letters' office, plus a drafter's chain and helpers to move a
draft through its states.

The standard draft: the Pranata Komputer (Bidang Aptika) drafts; the Kabid Aptika
then the Sekretaris give their paraf; the Kepala Dinas signs; the Kabid IKP receives.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from eoffice.testing.pytest_plugin import TEST_SIGNING_PASSPHRASE
from tests.letters import conftest as letters

# The letters' office and registration fixtures, shared (assigned, not imported, so the
# fixtures below may take ``office`` as an argument).
office, register = letters.office, letters.register

STATES = ("draft", "in_review", "returned", "approved", "signed", "sent")
PASSWORD = "rahasia-uji-123"  # noqa: S105 - the test plugin's password
PASSPHRASE = TEST_SIGNING_PASSPHRASE  # the enrolled signatories' signing passphrase
BASE_URL = "https://eoffice.contoh.go.id"


@pytest.fixture
def public_url(app, monkeypatch):
    """A public base URL, so QR codes and verification links are the same whether a
    letter is signed over HTTP or through the services."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE_URL)
    return BASE_URL


@pytest.fixture
def people(office, create_staff, create_user):
    """Two more persons: a clerk (pencatat) of the drafter's unit (Bidang Aptika) and a
    plain pegawai of the Bidang IKP who has nothing to do with the letters."""
    from eoffice.extensions import db

    clerk_a = create_staff(name="Pencatat Aptika", unit=office.bidang_a)
    pegawai_b = create_staff(name="Pegawai IKP", unit=office.bidang_b)
    office.users["clerk_a"] = create_user(username="clerka", roles=["pencatat", "pegawai"],
                                          staff=clerk_a, full_name=clerk_a.name)
    office.users["pegawai_b"] = create_user(username="pegawaib", roles=["pegawai"],
                                            staff=pegawai_b, full_name=pegawai_b.name)
    db.session.commit()
    return office


def classification_id(code: str = "000.1") -> int:
    from eoffice.archive.models import Classification
    from eoffice.extensions import db

    return db.session.scalar(sa.select(Classification.id).where(Classification.code == code))


@pytest.fixture
def make_draft(app, office, public_url):
    """make_draft(**overrides) -> OutgoingLetter: a valid nota dinas unless overridden."""
    from eoffice.extensions import db
    from eoffice.outgoing import services

    counter = {"n": 0}

    def _make(*, drafter: str = "staf_a", letter_type: str = "nota_dinas", subject=None,
              code: str = "000.1", security: str = "B", to=None, cc=(), external=(),
              chain=None, signer=None, body: str = "<p>Dengan hormat, mohon data aplikasi.</p>",
              details=None, uploads=(), **extra):
        counter["n"] += 1
        data = services.DraftInput(
            letter_type=letter_type, subject=subject or f"Permohonan data {counter['n']}",
            signer_position_id=(signer or office.kadis).id, body_html=body,
            classification_id=classification_id(code), security=security,
            details=dict(details or {}),
            to_positions=[p.id for p in (to if to is not None else [office.kabid_b])],
            cc_positions=[p.id for p in cc],
            external=[services.ExternalRecipient(*e) if isinstance(e, tuple) else e
                      for e in external],
            chain=[p.id for p in (chain if chain is not None else
                                  (office.kabid_a, office.sekretaris))],
            uploads=list(uploads), **extra)
        letter = services.create_draft(data, actor=office.users[drafter])
        db.session.commit()
        return letter

    return _make


@pytest.fixture
def advance(app, office):
    """advance(letter, state) moves a fresh draft of the standard chain to ``state``
    through the services, as its people would (returned: by the first verifier)."""
    from eoffice.extensions import db
    from eoffice.outgoing import services

    def _advance(letter, state: str, *, drafter: str = "staf_a", signer: str = "kadis"):
        assert state in STATES
        users = office.users
        if state == "draft":
            return letter
        services.submit(letter, actor=users[drafter])
        db.session.commit()
        if state == "returned":
            services.return_draft(letter, actor=holder(letter.steps[0].position, users),
                                  note="Lengkapi dasar hukum")
            db.session.commit()
            return letter
        if state == "in_review":
            return letter
        for step in list(letter.steps):
            services.approve(letter, actor=holder(step.position, users))
            db.session.commit()
        if state == "approved":
            return letter
        sign(letter, users[signer])
        if state == "signed":
            return letter
        services.send(letter, [services.Dispatch(r.id, "pos", letter.signed_date, "Resi 1")
                               for r in letter.recipients if not r.is_internal],
                      actor=users[drafter])
        db.session.commit()
        return letter

    return _advance


def draft_form(office, **extra) -> dict:
    """POST data of the draft form: the standard nota dinas unless overridden."""
    data = {"letter_type": "nota_dinas", "subject": "Permohonan data aplikasi daerah",
            "classification_id": str(classification_id()), "security": "B", "speed": "biasa",
            "to_positions": [str(office.kabid_b.id)],
            "body_html": "<p>Dengan hormat, mohon data aplikasi terbaru.</p>",
            "signer_position_id": str(office.kadis.id),
            "verifier_1": str(office.kabid_a.id), "verifier_2": str(office.sekretaris.id)}
    return data | extra


def holder(position, users):
    """The user who holds ``position`` in the office."""
    for user in users.values():
        if user.staff is not None and user.staff.position is not None and \
                user.staff.position.id == position.id:
            return user
    raise AssertionError(f"nobody holds {position.name}")


def sign(letter, user, passphrase: str = PASSPHRASE) -> None:
    from eoffice.extensions import db
    from eoffice.outgoing import services

    services.sign(letter, actor=user, passphrase=passphrase)
    db.session.commit()


@contextlib.contextmanager
def rolled_back():
    """Everything done inside (commits included) is undone afterwards."""
    from flask import g

    from eoffice.extensions import db

    db.session.commit()
    savepoint = db.session.get_bind().begin_nested()
    try:
        yield
    finally:
        db.session.rollback()
        db.session.expunge_all()
        savepoint.rollback()
        g.pop("_login_user", None)


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """The text of a PDF as poppler's pdftotext reads it, whitespace collapsed."""
    assert data.startswith(b"%PDF-")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(data)
        args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
        out = subprocess.run(args, capture_output=True, check=True, timeout=60)  # noqa: S603
    return " ".join(out.stdout.decode("utf-8").split())


def outcome(response) -> object:
    if response.status_code == 302 and "/masuk" in response.headers.get("Location", ""):
        return "login"
    return response.status_code


def log_in(client, user) -> None:
    """Log the test client in as ``user`` (a User or a username)."""
    from flask import g

    username = user if isinstance(user, str) else user.username
    g.pop("_login_user", None)
    client.post("/keluar")
    response = client.post("/masuk", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username

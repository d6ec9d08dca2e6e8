"""A region changes one block of a letter layout from local/templates, without copying
the page: the override extends "core/pdf/outgoing/<type>.html" (see docs/dev/templates.md)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from eoffice.config import REGION_ROOT
from tests.outgoing.conftest import pdf_text

OVERRIDE = REGION_ROOT / "local" / "templates" / "pdf" / "outgoing" / "nota_dinas.html"
# The example of docs/dev/templates.md, as it is written there.
EXAMPLE = """\
{% extends "core/pdf/outgoing/nota_dinas.html" %}
{# Kabupaten Contoh: our own signature block; the rest of the nota dinas stays upstream's. #}
{% block signature %}
<div class="sign">
  <div>{{ signatory.position }},</div>
  {% if not draft %}
  <img class="qr" src="{{ qr_uri }}" alt="QR">
  <div class="small">Ditandatangani secara elektronik</div>
  <div class="small">Pemerintah {{ config.REGION_NAME }}</div>
  {% endif %}
  <div><strong>{{ signatory.name }}</strong></div>
  {% if not draft %}<div class="verify">{{ verify_url }}</div>{% endif %}
</div>
{% endblock %}
"""


def raw_text(pdf: bytes) -> str:
    """The text in the content stream's order, whitespace removed: pdftotext's reading
    order scatters the letters of the preview's rotated watermark."""
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf,  # noqa: S603,S607
                         capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    return re.sub(r"\s+", "", out)


def render_in_fresh_app(app_config, letter_id: int, *, draft: bool = False) -> str:
    """The nota dinas rendered by a new app (a new Jinja environment and cache)."""
    from eoffice import create_app
    from eoffice.extensions import db
    from eoffice.outgoing import services
    from eoffice.outgoing.models import OutgoingLetter

    fresh = create_app(app_config)
    with fresh.app_context():
        try:
            letter = db.session.get(OutgoingLetter, letter_id)  # the test's connection
            if draft:
                pdf = services.render_letter_pdf(
                    letter, date=dt.date(2026, 3, 2), draft=True,
                    signatory=services.signatory_block(letter.signer_position))
                return raw_text(pdf)
            pdf = services.render_letter_pdf(
                letter, number="000.1/77/U/2026", date=dt.date(2026, 3, 2),
                signatory=services.signatory_block(letter.signer_position),
                verify_url="https://eoffice.contoh.go.id/verifikasi/contoh")
            return pdf_text(pdf)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_local_template_overrides_one_block(app, app_config, office, make_draft):
    if OVERRIDE.exists():
        pytest.skip("this region overrides nota_dinas.html itself")
    letter = make_draft(subject="Permohonan data aplikasi")
    assert OVERRIDE.parent.parent.parent.is_dir()
    created = [p for p in (OVERRIDE.parent.parent, OVERRIDE.parent) if not p.exists()]
    try:
        for folder in created:
            folder.mkdir()
        OVERRIDE.write_text(EXAMPLE, encoding="utf-8")
        text = render_in_fresh_app(app_config, letter.id)
        draft = render_in_fresh_app(app_config, letter.id, draft=True)
    finally:
        OVERRIDE.unlink(missing_ok=True)
        for folder in reversed(created):
            folder.rmdir()
    # The overridden block ...
    local_line = f"Ditandatangani secara elektronik Pemerintah {app.config['REGION_NAME']}"
    assert local_line in text
    assert "BSrE" not in text  # the app signs with no certificate authority: claim none
    assert "NIP" not in text and "Penata Muda" not in text  # the core's block is replaced
    # ... and the rest of the core's layout, unchanged.
    for expected in (app.config["AGENCY_NAME"].upper(), office.dinas.name.upper(), "NOTA DINAS",
                     "Nomor 000.1/77/U/2026", "Yth.", "Kabid IKP", "Hal",
                     "Permohonan data aplikasi", "Dengan hormat, mohon data aplikasi.",
                     "Kepala Dinas,", office.kadis.holder.full_name, "2 Maret 2026"):
        assert expected in text, expected
    assert "https://eoffice.contoh.go.id/verifikasi/contoh" in text.replace(" ", "")
    # ... and the preview through the same override: the core's watermark, no signature.
    assert "KONSEP–BELUMDITANDATANGANI" in draft and "(diberikansaatditandatangani)" in draft
    assert "Ditandatanganisecaraelektronik" not in draft and "verifikasi" not in draft
    assert re.sub(r"\s+", "", office.kadis.holder.full_name) in draft

    # Without the file, a new app draws the core's layout again.
    assert not OVERRIDE.exists()
    core = render_in_fresh_app(app_config, letter.id)
    assert local_line not in core and "Ditandatangani secara elektronik" in core
    assert "NIP" in core


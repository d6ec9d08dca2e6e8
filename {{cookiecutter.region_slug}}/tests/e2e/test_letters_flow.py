"""Issue flow in the browser: a clerk registers a letter with a PDF, the head disposes
it to two positions, one recipient forwards it down, the last one reports and completes.
Every step shows in the timeline, and the lembar disposisi PDF holds its fields."""

import datetime as dt
import re
import subprocess

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _position(live_server, name: str) -> int:
    from eoffice.extensions import db
    from eoffice.org.models import Position

    return live_server.run(lambda: db.session.scalar(
        sa.select(Position.id).where(Position.name == name)))


def _timeline(page) -> list[str]:
    return page.locator("#timeline li").evaluate_all(
        "items => items.map(i => i.dataset.action)")


def test_register_dispose_forward_report(page, network, live_server, login_as, tr_id,
                                         tmp_path, screenshot):
    kadis = _position(live_server, "Kepala Dinas Komunikasi dan Informatika")
    kabid = _position(live_server, "Kepala Bidang Aplikasi Informatika")
    kabid_ikp = _position(live_server, "Kepala Bidang Informasi dan Komunikasi Publik")
    pranata = _position(live_server, "Pranata Komputer Ahli Pertama")
    scan = tmp_path / "surat-undangan.pdf"
    scan.write_bytes(PDF)
    today = dt.date.today()

    # 1. The clerk registers the letter with a PDF.
    login_as(page, "pencatat")
    page.goto("/surat-masuk/baru")
    page.fill("input[name=sender]", "Kementerian Komunikasi dan Digital")
    page.fill("input[name=sender_number]", "B-777/DJAI/AI.01/2026")
    page.fill("input[name=letter_date]", (today - dt.timedelta(days=3)).isoformat())
    page.fill("input[name=received_date]", today.isoformat())
    page.fill("input[name=subject]", "Bimbingan teknis keamanan aplikasi pemerintah daerah")
    page.select_option("select[name=speed]", "segera")
    page.select_option("select[name=to_positions]", [str(kadis)])
    page.set_input_files("input[name=files]", str(scan))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#agenda-number")).to_have_text(re.compile(r"^\d{5}$"))
    agenda = page.locator("#agenda-number").inner_text()
    letter_url = page.url
    expect(page.locator("iframe")).to_have_count(1)  # the PDF preview
    screenshot(page, "letters-01-registered")

    # 2. The head disposes it to two positions with a due date.
    page.context.clear_cookies()
    login_as(page, "pimpinan")
    page.goto(letter_url)
    with page.expect_navigation():
        page.locator("a[href*='/disposisi/surat/']").click()
    page.check(f"input[name=to_positions][value='{kabid}']")
    page.check(f"input[name=to_positions][value='{kabid_ikp}']")
    page.locator("input[name=instruction_ids]").first.check()
    page.fill("textarea[name=note]", "Mohon dihadiri dan dilaporkan hasilnya.")
    due = (today + dt.timedelta(days=7)).isoformat()
    page.fill("input[name=due_date]", due)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".disposition")).to_have_count(1)
    expect(page.locator(".disposition")).to_contain_text("Kepala Bidang Aplikasi Informatika")

    # 3. One recipient forwards it down.
    page.context.clear_cookies()
    login_as(page, "admin")
    page.goto(letter_url)
    with page.expect_navigation():
        page.locator("a[href$='/teruskan']").click()
    page.check(f"input[name=to_positions][value='{pranata}']")
    page.fill("textarea[name=note]", "Siapkan bahan dan hadiri.")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".disposition")).to_have_count(2)

    # 4. The last recipient reports and completes.
    page.context.clear_cookies()
    login_as(page, "pegawai")
    page.goto(letter_url)
    with page.expect_navigation():
        page.locator("a[href$='/laporan']").click()
    page.fill("textarea[name=report]", "Sudah hadir; materi terlampir di folder bidang.")
    page.check("input[name=done]")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(f"#penerima-{_recipient_id(live_server, pranata)}")).to_contain_text(
        tr_id("done"))
    screenshot(page, "letters-02-done")

    actions = _timeline(page)
    for step in ("letter.registered", "letter.read", "disposition.created",
                 "disposition.forwarded", "disposition.read", "disposition.done"):
        assert step in actions, (step, actions)

    # The lembar disposisi holds its fields.
    response = page.request.get(letter_url + "/lembar-disposisi.pdf")
    assert response.status == 200
    pdf_path = tmp_path / "lembar.pdf"
    pdf_path.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    for expected in ("LEMBAR DISPOSISI", "Kementerian Komunikasi dan Digital",
                     "B-777/DJAI/AI.01/2026", agenda, "Segera", "Bimbingan teknis keamanan",
                     "Kepala Bidang Aplikasi Informatika",
                     "Kepala Bidang Informasi dan Komunikasi Publik", "Tanggapan dan saran",
                     "Mohon dihadiri dan dilaporkan hasilnya.", "Kepala Dinas Komunikasi",
                     "Surat dari", "Diterima tanggal", "Nomor agenda", "Catatan"):
        assert expected in flat, expected


def _recipient_id(live_server, position_id: int) -> int:
    from eoffice.dispositions.models import DispositionRecipient
    from eoffice.extensions import db

    return live_server.run(lambda: db.session.scalar(
        sa.select(DispositionRecipient.id).where(DispositionRecipient.position_id == position_id)
        .order_by(DispositionRecipient.id.desc())))

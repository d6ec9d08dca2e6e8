"""API endpoints: validation errors as JSON by field, registering, paging, filters, ETags,
dispositions, staff import, the document and the reference page."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from tests.letters.conftest import PDF_BYTES, letter_count


def letter_body(office, **overrides) -> dict:
    today = dt.date.today()
    body = {"sender": "Kementerian Dalam Negeri", "sender_number": "000.1/API/1",
            "letter_date": (today - dt.timedelta(days=3)).isoformat(),
            "received_date": (today - dt.timedelta(days=1)).isoformat(),
            "subject": "Undangan lewat API", "security": "B", "speed": "segera",
            "to_positions": [office.kadis.id],
            "files": [{"filename": "scan.pdf",
                       "content_base64": base64.b64encode(PDF_BYTES).decode()}]}
    body.update(overrides)
    return body


def test_register_a_letter_like_the_form_does(app, api, office, make_token):
    clerk = make_token(office.users["clerk"])
    before = letter_count()
    response = api.post("/letters", clerk, json=letter_body(office))
    assert response.status_code == 201, response.get_json()
    letter = response.get_json()
    assert letter["agenda_number"] and letter["status"] == "registered"
    assert response.headers["Location"] == f"/api/v1/letters/{letter['id']}"
    assert letter["attachments"][0]["filename"] == "scan.pdf"
    assert letter_count() == before + 1
    got = api.get(letter["attachments"][0]["url"].removeprefix("/api/v1"), clerk)
    assert got.status_code == 200 and got.data == PDF_BYTES
    # the same sender and number again: a duplicate, unless confirmed
    again = api.post("/letters", clerk, json=letter_body(office))
    assert again.status_code == 409 and "duplicate" in again.get_json()["errors"]
    confirmed = api.post("/letters", clerk, json=letter_body(office, confirm_duplicate=True))
    assert confirmed.status_code == 201
    # only clerks register
    assert api.post("/letters", make_token(office.users["kadis"]),
                    json=letter_body(office)).status_code == 403


@pytest.mark.parametrize(("body", "status", "fields"), [
    ("not json", 400, {"body"}),
    ({"sender": 5, "letter_date": "31-01-2026", "to_positions": "1", "security": "X"}, 400,
     {"sender", "sender_number", "letter_date", "received_date", "subject", "to_positions",
      "security"}),
    ({"files": [{"filename": "a.pdf", "content_base64": "%%%"}]}, 400, {"files"}),
    ("future", 422, {"letter_date", "received_date"}),
    ("no-positions", 422, {"to_positions"}),
    ("exe", 422, {"files"}),
])
def test_validation_errors_name_each_field(app, api, office, make_token, body, status, fields):
    clerk = make_token(office.users["clerk"])
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    exe = base64.b64encode(b"MZ\x90\x00" + b"\x00" * 60).decode()
    bodies = {
        "future": letter_body(office, letter_date=future, received_date=future),
        "no-positions": letter_body(office, to_positions=[]),
        "exe": letter_body(office, files=[{"filename": "x.pdf", "content_base64": exe}]),
    }
    if body == "not json":
        response = api.post("/letters", clerk, data="sender=x",
                            content_type="application/x-www-form-urlencoded")
    else:
        payload = bodies.get(body, body) if isinstance(body, str) else body
        if isinstance(body, dict) and "files" in body:
            payload = letter_body(office, **body)
        response = api.post("/letters", clerk, json=payload)
    assert response.status_code == status
    data = response.get_json()
    assert set(data["errors"]) >= fields, data
    assert all(isinstance(v, str) and v for v in data["errors"].values())
    assert data["error"] and data["message"]


def test_paging_links_and_filters(app, api, office, register, make_token):
    for n in range(5):
        register(office, security="R" if n == 0 else "B", subject=f"Surat halaman {n}")
    clerk = make_token(office.users["clerk"])
    assert api.get("/letters?per_page=2", clerk).get_json()["total"] == 5
    first = api.get("/letters?per_page=2&security=B", clerk).get_json()
    # A filter checked letter by letter: no count unless one page holds everything.
    assert first["total"] is None and first["more_than"] is None and len(first["items"]) == 2
    assert api.get("/letters?per_page=9&security=B", clerk).get_json()["total"] == 4
    assert first["links"]["prev"] is None and "cursor=" in first["links"]["next"]
    assert "security=B" in first["links"]["next"]
    seen, page = [i["id"] for i in first["items"]], first
    while page["links"]["next"]:
        page = api.get(page["links"]["next"].removeprefix("/api/v1"), clerk).get_json()
        assert page["total"] is None  # counted on the first page only
        seen += [i["id"] for i in page["items"]]
    assert len(seen) == len(set(seen)) == 4
    back = api.get(page["links"]["prev"].removeprefix("/api/v1"), clerk).get_json()
    assert [i["id"] for i in back["items"]] == seen[:2]
    forged = api.get("/letters?per_page=2&security=B&cursor=not-a-cursor", clerk)
    assert [i["id"] for i in forged.get_json()["items"]] == seen[:2]  # the first page
    only_r = api.get("/letters?security=R", clerk).get_json()
    assert [i["security"] for i in only_r["items"]] == ["R"]
    found = api.get("/letters", clerk, query_string={"q": '"halaman 3"'}).get_json()
    assert [i["subject"] for i in found["items"]] == ["Surat halaman 3"]
    bad = api.get("/letters?per_page=0&page=2&date_from=2026-13-01&queue=mine", clerk)
    assert bad.status_code == 400
    assert set(bad.get_json()["errors"]) == {"per_page", "page", "date_from", "queue"}


def test_etag_answers_304_until_something_changes(app, api, office, register, make_token):
    register(office)
    clerk = make_token(office.users["clerk"])
    first = api.get("/letters", clerk)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in first.headers["Vary"]
    again = api.get("/letters", clerk, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    letter_id = first.get_json()["items"][0]["id"]
    detail = api.get(f"/letters/{letter_id}", clerk)
    assert api.get(f"/letters/{letter_id}", clerk,
                   headers={"If-None-Match": detail.headers["ETag"]}).status_code == 304
    register(office, subject="Surat baru")
    changed = api.get("/letters", clerk, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_dispose_list_and_report_through_the_api(app, api, office, register, make_token):
    letter = register(office, to=[office.kadis])
    kadis, kabid = make_token(office.users["kadis"]), make_token(office.users["kabid_a"])
    wrong = api.post(f"/letters/{letter.id}/dispositions", kadis,
                     json={"to_positions": [office.other_head.id]})
    assert wrong.status_code == 422 and set(wrong.get_json()["errors"]) >= {"to_positions"}
    made = api.post(f"/letters/{letter.id}/dispositions", kadis,
                    json={"to_positions": [office.kabid_a.id], "note": "Segera",
                          "due_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()})
    assert made.status_code == 201
    queue = api.get("/dispositions", kabid).get_json()
    assert queue["total"] == 1
    row = queue["items"][0]
    assert row["letter"]["id"] == letter.id and row["status"] == "unread"
    assert row["disposition"]["note"] == "Segera"
    empty = api.post(f"/dispositions/{row['id']}/report", kabid, json={"report": ""})
    assert empty.status_code == 400 and "report" in empty.get_json()["errors"]
    done = api.post(f"/dispositions/{row['id']}/report", kabid,
                    json={"report": "Rapat sudah dihadiri", "done": True})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert api.get("/dispositions?queue=done", kabid).get_json()["total"] == 1
    assert api.get("/dispositions?queue=sent", kadis).get_json()["total"] == 1
    again = api.post(f"/dispositions/{row['id']}/report", kabid, json={"report": "lagi"})
    assert again.status_code == 422


def test_staff_import_ours_and_siasn(app, api, office, make_token, make_nip):
    admin = make_token(office.users["admin"])
    nip = make_nip("P")
    ours = ("nama,jenis_pegawai,nip,golongan,kode_unit\n"
            f"Sari Dewi,PNS,{nip},III/b,{office.dinas.code}\n").encode()
    response = api.post("/staff/import", admin, data={"file": (__import__("io").BytesIO(ours),
                                                                 "pegawai.csv")},
                        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1 and response.get_json()["committed"]
    nip2 = make_nip("L")
    siasn = ("NIP_BARU;NAMA;GELAR_DEPAN;GELAR_BLKG;TGL_LAHIR;JENIS_KELAMIN;JENIS_PEGAWAI_NAMA;"
             "GOL_AKHIR_NAMA;JABATAN_NAMA;JENIS_JABATAN_NAMA;UNOR_NAMA;KEDUDUKAN_HUKUM_NAMA;"
             "AGAMA_NAMA\n"
             f"{nip2};Budi Hartono;;S.Kom.;;M;PNS Daerah Kab/Kota;III/a;Pranata Komputer;"
             f"Jabatan Fungsional Tertentu;{office.bidang_a.name};Aktif;Islam\n"
             f"{nip2};Budi Dua;;;;M;PNS;III/z;;;Unit Tak Ada;Aktif;Islam\n").encode()
    failed = api.post("/staff/import", admin, data={
        "file": (__import__("io").BytesIO(siasn), "siasn.csv"), "format": "siasn"},
        content_type="multipart/form-data")
    assert failed.status_code == 422
    body = failed.get_json()
    assert body["committed"] is False and body["rejected_rows"] == 1
    assert {e["column"] for e in body["row_errors"]} >= {"NIP_BARU", "GOL_AKHIR_NAMA",
                                                        "UNOR_ID"}
    assert body["errors"]["file"]
    valid = api.post("/staff/import", admin, data={
        "file": (__import__("io").BytesIO(siasn), "siasn.csv"), "format": "siasn",
        "mode": "valid"}, content_type="multipart/form-data")
    assert valid.status_code == 200 and valid.get_json()["created"] == 1
    person = api.get(f"/staff?q={nip2}", admin).get_json()["items"][0]
    assert person["unit"]["id"] == office.bidang_a.id
    assert (person["jabatan_type"], person["back_title"]) == ("fungsional", "S.Kom.")
    missing = api.post("/staff/import", admin, data={"format": "siasn"},
                       content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in missing.get_json()["errors"]
    assert api.post("/staff/import", make_token(office.users["kadis"]), data={},
                    content_type="multipart/form-data").status_code == 403


def test_org_and_classification_lists(app, api, office, make_token):
    token = make_token(office.users["staf_a"])
    units = api.get("/org/units?per_page=100", token).get_json()
    assert {u["code"] for u in units["items"]} >= {office.dinas.code, office.bidang_a.code}
    positions = api.get(f"/org/positions?unit_id={office.bidang_a.id}", token).get_json()
    assert {p["name"] for p in positions["items"]} == {"Kabid Aptika", "Pranata Komputer"}
    codes = api.get("/classifications?q=000.1&per_page=5", token).get_json()
    assert codes["items"][0]["code"].startswith("000.1")
    codes = api.get("/classifications?q=000.1.2&per_page=2", token).get_json()
    assert [c["code"] for c in codes["items"]] == ["000.1.2", "000.1.2.1"]
    assert (codes["items"][1]["level"], codes["items"][1]["final_disposition"]) == (4, "musnah")
    assert codes["items"][1]["retention_source"].startswith("Pergub No. 30")


def test_health_document_reference_and_json_errors(app, api, client, office, make_token):
    health = api.get("/health")
    assert health.status_code == 200 and health.get_json()["database"] == "ok"
    doc = api.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.0")
    assert "/letters" in doc["paths"] and "bearerAuth" in doc["components"]["securitySchemes"]
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "registerLetter" in html and "cdn" not in html.lower() and "unpkg" not in html
    token = make_token(office.users["clerk"])
    missing = api.get("/letters/999999", token)
    assert missing.status_code == 404 and missing.get_json()["error"]
    assert api.get("/nothing-here", token).get_json()["error"] == "not_found"
    wrong_method = api.request("DELETE", "/letters", token)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert api.get("/letters/99999999999", token).status_code == 404

"""The audit page speaks words, not codes: labelled actions, a filter by group and
action chosen by name, objects linked to their pages, and paging by keys."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from eoffice import audit_labels
from eoffice.audit import AuditEvent
from eoffice.extensions import db
from tests.helpers import page_text
from tests.test_audit import history  # noqa: F401 - the fixture

# the first argument of each audit.record(...) call, up to its comma: a literal or a
# conditional choosing between literals
RECORD_RE = re.compile(r"""\brecord\(\s*([^,]+),""")
ACTION_RE = re.compile(r"""["']([a-z_]+\.[a-z_.]+)["']""")


def recorded_actions() -> set[str]:
    package = Path(audit_labels.__file__).parent
    found = set()
    for path in package.rglob("*.py"):
        for argument in RECORD_RE.findall(path.read_text(encoding="utf-8")):
            found |= set(ACTION_RE.findall(argument))
    return found


def test_every_action_the_core_records_has_a_label_and_a_group():
    actions = recorded_actions()
    assert len(actions) > 30  # the scan finds the calls
    assert sorted(actions - set(audit_labels.ACTIONS)) == []
    assert sorted({a.split(".", 1)[0] for a in actions} - set(audit_labels.GROUPS)) == []


def test_unknown_action_and_object_show_their_code():
    assert audit_labels.action_label("perpustakaan.book_lent") == "perpustakaan.book_lent"


def _rows(client, url: str) -> list[str]:
    html = client.get(url).get_data(as_text=True)
    body = html.split('id="audit-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[1:]


def test_the_page_shows_labels_and_links(client, history):  # noqa: F811
    rows = _rows(client, "/admin/audit?per_page=100")
    assert len(rows) == len(history)
    text = " ".join(rows)
    assert "Signed in" in text and "(auth.login)" in text
    assert "Sign-in failed" in text and "Staff record added" in text
    staff_event = next(e for e in history if e.action == "staff.created")
    assert f'<a href="/pegawai/{staff_event.object_id}">Staff record {staff_event.object_id}' \
        in text


def test_filter_by_group_and_by_action(client, history):  # noqa: F811
    page = page_text(client.get("/admin/audit"))
    assert "Sign-in and passwords" in page and 'name="aksi"' in client.get(
        "/admin/audit").get_data(as_text=True)
    auth_rows = _rows(client, "/admin/audit?kelompok=auth&per_page=100")
    assert len(auth_rows) == sum(e.action.startswith("auth.") for e in history)
    assert all("(auth." in row for row in auth_rows)
    org = dict(audit_labels.group_choices())
    both = next(value for value in org if "unit" in value.split(","))
    assert set(both.split(",")) >= {"unit", "position"}
    org_rows = _rows(client, f"/admin/audit?kelompok={both}&per_page=100")
    assert len(org_rows) == sum(e.action.split(".")[0] in both.split(",") for e in history)
    exact = _rows(client, "/admin/audit?aksi=staff.created&per_page=100")
    assert len(exact) == 2
    # a forged group is ignored, not an error
    assert client.get("/admin/audit?kelompok=x%25").status_code == 200


def test_pages_follow_each_other_without_overlap(client, history):  # noqa: F811
    seen: list[int] = []
    url = "/admin/audit?per_page=3"
    for _ in range(10):
        html = client.get(url).get_data(as_text=True)
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        seen += [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", body)]
        found = re.search(r'rel="next" href="([^"]+)"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    newest_first = sorted((e.id for e in db.session.scalars(sa.select(AuditEvent))),
                          reverse=True)
    assert seen == newest_first

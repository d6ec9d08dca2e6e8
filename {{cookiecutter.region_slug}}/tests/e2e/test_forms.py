"""Every form field has a visible label (a placeholder vanishes as one types) and every
group of checkboxes or radio buttons is a fieldset with a legend, on the pages of the
demo, for each role; and the new-user form's staff picker suggests staff by name."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

UNLABELLED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('main input, main select, main textarea')) {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) continue;
    const label = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'))
      || el.closest('label');
    if (!label || !label.textContent.trim()) bad.push(el.outerHTML.slice(0, 160));
  }
  const groups = {};
  for (const el of document.querySelectorAll('main input[type=checkbox], main input[type=radio]')) {
    (groups[el.form ? el.form.id + '/' + el.name : el.name] ||= []).push(el);
  }
  for (const [name, items] of Object.entries(groups)) {
    const set = items[0].closest('fieldset');
    if (items.length > 1 && !(set && set.querySelector('legend'))) bad.push('group ' + name);
  }
  return bad;
}"""


def _first_letter():
    import sqlalchemy as sa

    from eoffice.extensions import db
    from eoffice.letters.models import IncomingLetter

    return db.session.scalar(sa.select(sa.func.min(IncomingLetter.id)))


PAGES = {
    "admin": ["/admin/pengguna", "/admin/pengguna/baru", "/admin/audit", "/pegawai/",
              "/pegawai/baru", "/organisasi/unit/baru", "/organisasi/jabatan/baru",
              "/organisasi/plt", "/admin/klasifikasi/", "/disposisi/instruksi",
              "/akun/kata-sandi", "/akun/token-api", "/surat-keluar/baru"],
    "pencatat": ["/surat-masuk/", "/surat-masuk/baru", "/surat-masuk/agenda",
                 "/surat-masuk/{letter}", "/surat-keluar/ekspedisi"],
    "pimpinan": ["/surat-masuk/{letter}", "/disposisi/surat/{letter}/baru",
                 "/surat-keluar/baru"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_every_field_has_a_label_and_every_group_a_legend(new_context, live_server,
                                                          login_as, username):
    letter = live_server.run(_first_letter)
    page = new_context().new_page()
    login_as(page, username)
    found = {}
    for path in PAGES[username]:
        response = page.goto(path.format(letter=letter))
        assert response.status < 400, path
        bad = page.evaluate(UNLABELLED)
        if bad:
            found[path] = bad
    assert not found, found


def test_the_staff_picker_suggests_by_name(new_context, login_as):
    page = new_context().new_page()
    login_as(page, "admin")
    page.goto("/admin/pengguna/baru")
    picker = page.locator("input[data-eo-staff-picker]")
    picker.press_sequentially("an", delay=50)
    options = page.locator("#staff-suggestions option")
    expect(options.first).to_be_attached()
    value = options.first.get_attribute("value")
    assert value and value.replace(" ", "").isdigit()

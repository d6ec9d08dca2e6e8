"""Plugins: the example local plugin (page, navigation, permission), plugin loading errors,
and the rules the toolkit enforces on local code."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from eoffice import create_app
from eoffice.extensions import db
from eoffice.plugins.manager import PluginError, loaded_plugins
from eoffice.plugins.toolkit import LocalModel
from eoffice.security import can
from tests.conftest import EXAMPLE_PLUGIN
from tests.helpers import page_text

RECAP = "/lokal/rekap-pegawai/"
needs_example = pytest.mark.skipif(not EXAMPLE_PLUGIN.is_dir(),
                                   reason="the region removed the example plugin")


def recap_rows(response) -> dict[str, int]:
    text = page_text(response)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td class=\"text-end\">(\d+)</td></tr>",
                      text)
    return {code: int(number) for code, number in rows}


def recap_total(response) -> int:
    return int(re.search(r'id="recap-total">(\d+)<', page_text(response)).group(1))


def test_core_features_are_plugins_too(app):
    assert "eoffice.core" in loaded_plugins(app)


@needs_example
def test_example_plugin_is_loaded(app):
    assert "local.plugins.example" in loaded_plugins(app)


@needs_example
def test_recap_matches_the_database(client, create_unit, create_staff, admin, login):
    from eoffice.org.services import save_unit

    kominfo = create_unit(code="DISKOMINFO", name="Dinas Kominfo")
    aptika = create_unit(code="APTIKA", name="Bidang Aptika", parent=kominfo)
    dinkes = create_unit(code="DINKES", name="Dinas Kesehatan")
    closed = create_unit(code="TUTUP", name="Unit Dibubarkan")
    for _ in range(3):
        create_staff(employment_type="non_asn", unit=kominfo)
    create_staff(employment_type="non_asn", unit=aptika)
    create_staff(employment_type="non_asn", unit=dinkes, status="pensiun")  # not active
    create_staff(employment_type="non_asn", unit=closed)
    create_staff(employment_type="non_asn")  # no unit
    save_unit(closed, code="TUTUP", name="Unit Dibubarkan", kind="opd", parent_id=None,
              active=False)
    login(admin)

    response = client.get(RECAP)
    assert response.status_code == 200
    rows = recap_rows(response)
    assert rows == {"DISKOMINFO": 3, "APTIKA": 1, "DINKES": 0}
    assert list(rows) == ["DISKOMINFO", "APTIKA", "DINKES"]  # largest first

    # The same numbers, counted independently.
    from eoffice.org.models import Unit
    from eoffice.staff.models import Staff

    for code, number in rows.items():
        assert number == db.session.scalar(
            sa.select(sa.func.count()).select_from(Staff).join(Unit)
            .where(Unit.code == code, Staff.status == "aktif"))
    assert recap_total(response) == sum(rows.values()) == 4


@needs_example
@pytest.mark.parametrize(("roles", "shown"), [
    (["admin"], True), (["pimpinan"], True), (["pencatat"], False), (["pegawai"], False),
])
def test_recap_navigation_follows_the_permission(client, create_user, login, roles, shown):
    user = login(create_user(roles=roles))
    assert can(user, "local.example.view") is shown
    text = page_text(client.get("/"))
    assert (f'href="{RECAP}"' in text) is shown
    assert ("Staff recap" in text) is shown
    assert client.get(RECAP).status_code == (200 if shown else 403)


def test_plugin_permissions_add_to_core_roles(app):
    table = app.extensions["eoffice_permissions"]
    from eoffice.security import CORE_PERMISSIONS

    for role, permissions in CORE_PERMISSIONS.items():
        assert permissions <= table[role]


def test_missing_local_plugin_is_a_clear_error(app_config):
    with pytest.raises(PluginError) as caught:
        create_app(app_config | {"PLUGINS_ENABLED": ["tidak_ada"]})
    assert str(caught.value) == ("plugin 'tidak_ada' is enabled in region.toml but "
                                 "local/plugins/tidak_ada/ does not exist")


@pytest.mark.parametrize("name", ["../rahasia", "contoh-plugin", "plugins.example", ""])
def test_plugin_name_must_be_a_folder_name(app_config, name):
    with pytest.raises(PluginError, match="not a valid folder name"):
        create_app(app_config | {"PLUGINS_ENABLED": [name]})


def test_local_model_refuses_a_core_table_name(app):
    tables = set(db.metadata.tables)
    with pytest.raises(TypeError, match="local tables are named local_"):
        class Surat(LocalModel):  # noqa: F841 - defining the class is the test
            __tablename__ = "surat"
            id = sa.Column(sa.Integer, primary_key=True)
    assert set(db.metadata.tables) == tables  # nothing was added to the schema

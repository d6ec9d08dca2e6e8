"""Migration 0011_jra on a database that already has letters under the 84 codes of
0002: upgrade adds the full list and the example schedule without moving a letter's
code, keeps a name the region changed, and is fast; downgrade and upgrade again work."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

KINDS = ["sqlite", "postgresql"]


def migrate(site, revision: str, down: bool = False) -> float:
    from flask_migrate import downgrade, upgrade

    from eoffice.config import REGION_ROOT
    from eoffice.extensions import db

    started = time.perf_counter()
    with site.context():
        (downgrade if down else upgrade)(directory=str(REGION_ROOT / "migrations"),
                                         revision=revision)
        db.session.remove()
    return time.perf_counter() - started


def scalar(site, sql: str, **params):
    from eoffice.extensions import db

    with site.context():
        value = db.session.execute(sa.text(sql), params).scalar()
        db.session.remove()
    return value


def execute(site, sql: str, **params) -> None:
    from eoffice.extensions import db

    with site.context():
        db.session.execute(sa.text(sql), params)
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("kind", KINDS)
def test_upgrade_adds_the_full_list_and_downgrade_undoes_the_schema(make_site, kind):
    site = make_site(kind, revision="0010_acting")
    assert scalar(site, "SELECT count(*) FROM classifications") == 84
    kept_id = scalar(site, "SELECT id FROM classifications WHERE code = '000.1.2'")
    execute(site, "UPDATE classifications SET name = 'Nama Daerah' WHERE code = '600.3'")
    seconds = migrate(site, "0011_jra")
    assert seconds < 10  # 2,904 codes and 2,439 schedules in bulk (measured: ~1 s)
    assert scalar(site, "SELECT count(*) FROM classifications") == 2988
    assert scalar(site, "SELECT id FROM classifications WHERE code = '000.1.2'") == kept_id
    assert scalar(site, "SELECT name FROM classifications WHERE code = '600.3'") == "Nama Daerah"
    assert scalar(site, "SELECT name FROM classifications WHERE code = '000.1.1'") == (
        "Telekomunikasi (Fasilitasi Telekomunikasi)")
    assert scalar(site, "SELECT count(*) FROM classifications WHERE final_disposition "
                        "IS NOT NULL") == 2439
    assert scalar(site, "SELECT count(*) FROM classifications c JOIN classifications p "
                        "ON p.id = c.parent_id WHERE c.level = p.level + 1") == 2978
    assert scalar(site, "SELECT is_example FROM retention_schedules") in (True, 1)
    longest = scalar(site, "SELECT max(length(name)) FROM classifications")
    assert longest > 255

    migrate(site, "0010_acting", down=True)
    assert scalar(site, "SELECT count(*) FROM classifications") == 2988  # the codes stay
    assert scalar(site, "SELECT max(length(name)) FROM classifications") == 255
    with pytest.raises(sa.exc.DBAPIError):
        scalar(site, "SELECT count(*) FROM retention_schedules")
    migrate(site, "heads")
    assert scalar(site, "SELECT count(*) FROM retention_schedules") == 1
    assert scalar(site, "SELECT count(*) FROM classifications WHERE sort_key = ''") == 0

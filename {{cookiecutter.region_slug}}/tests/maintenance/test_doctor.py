"""``flask eoffice doctor`` and the record of the core's files (``.eoffice-core.json``)."""

from __future__ import annotations

import json
import shutil

import pytest

from eoffice.maintenance import integrity, services
from eoffice.version import __version__


@pytest.fixture
def region(tmp_path):
    """A small region folder with a core and its record, as generation leaves it."""
    files = {
        "eoffice/version.py": f'__version__ = "{__version__}"\n',
        "eoffice/letters/services.py": "RULE = 1\n",
        "eoffice/templates/base.html": "<html>{% block content %}{% endblock %}</html>\n",
        "eoffice/translations/id/LC_MESSAGES/messages.mo": "\x00\x01binary",
        "migrations/env.py": "# env\n",
        "migrations/versions/0001_core_initial_schema.py": "revision = '0001_core'\n",
        "local/plugins/kecamatan/__init__.py": "# the region's own\n",
        "region.toml": "[region]\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert integrity.write_record(tmp_path) is True
    return tmp_path


def test_record_lists_the_core_only(region):
    record = integrity.load_record(region)
    assert record["version"] == __version__ and record["format"] == 1
    assert sorted(record["files"]) == [
        "eoffice/letters/services.py", "eoffice/templates/base.html",
        "eoffice/translations/id/LC_MESSAGES/messages.mo", "eoffice/version.py",
        "migrations/env.py", "migrations/versions/0001_core_initial_schema.py"]


def test_record_is_stable_and_diff_friendly(region):
    """No date, path or secret, and one file per line: an update's record applies as a patch."""
    text = (region / integrity.RECORD_NAME).read_text(encoding="utf-8")
    assert str(region) not in text
    assert integrity.write_record(region) is False  # unchanged: not rewritten
    files = [line for line in text.splitlines() if line.startswith('  "')]
    assert len(files) == len(json.loads(text)["files"])
    assert files == sorted(files)


def test_clean_core(region):
    (region / "eoffice" / "__pycache__").mkdir()
    (region / "eoffice" / "__pycache__" / "version.cpython-311.pyc").write_bytes(b"x")
    (region / "eoffice" / ".ruff_cache").mkdir()
    (region / "eoffice" / ".ruff_cache" / "cache").write_bytes(b"x")
    (region / "local" / "plugins" / "kecamatan" / "views.py").write_text("x = 1\n")
    drift = integrity.compare(region, integrity.load_record(region))
    assert drift.clean and drift.checked == 6


def test_drift_lists_changed_added_and_missing_files(region):
    (region / "eoffice" / "letters" / "services.py").write_text("RULE = 2  # local edit\n")
    (region / "migrations" / "versions" / "ab12_local_table.py").write_text("x = 1\n")
    (region / "eoffice" / "templates" / "base.html").unlink()
    drift = integrity.compare(region, integrity.load_record(region))
    assert not drift.clean
    assert drift.changed == ["eoffice/letters/services.py"]
    assert drift.added == ["migrations/versions/ab12_local_table.py"]
    assert drift.missing == ["eoffice/templates/base.html"]


def test_an_edited_version_is_drift(region):
    (region / "eoffice" / "version.py").write_text('__version__ = "9.9.9"\n')
    drift = integrity.compare(region, integrity.load_record(region))
    assert (drift.recorded_version, drift.version) == (__version__, "9.9.9")
    assert not drift.clean


def test_a_damaged_record_counts_as_missing(region):
    (region / integrity.RECORD_NAME).write_text("{not json", encoding="utf-8")
    assert integrity.load_record(region) is None


# --- the command ------------------------------------------------------------------------------


def doctor(app, region, monkeypatch):
    monkeypatch.setattr(services, "REGION_ROOT", region)
    with app.app_context():
        return app.test_cli_runner().invoke(args=["eoffice", "doctor"])


def test_doctor_reports_a_healthy_region(app, region, monkeypatch):
    result = doctor(app, region, monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"Core version: {__version__} (recorded at generation or last update: " \
           f"{__version__})" in result.output
    assert "OK: the core is as upstream made it (6 files checked)" in result.output
    assert "OK: the database schema is up to date" in result.output
    assert "Plugins loaded: eoffice.core" in result.output
    assert "OK: the audit chain is intact (0 events, 0 anchors compared)." in result.output
    assert "No problem found." in result.output


def test_doctor_reports_drift_with_advice(app, region, monkeypatch):
    (region / "eoffice" / "letters" / "services.py").write_text("RULE = 2\n")
    (region / "eoffice" / "templates" / "base.html").unlink()
    result = doctor(app, region, monkeypatch)
    assert result.exit_code == 1
    assert "PROBLEM: 2 core files differ from upstream" in result.output
    assert "changed  eoffice/letters/services.py" in result.output
    assert "missing  eoffice/templates/base.html" in result.output
    assert "local/plugins" in result.output and "git checkout -- <file>" in result.output


def test_doctor_without_a_record(app, region, monkeypatch):
    (region / integrity.RECORD_NAME).unlink()
    result = doctor(app, region, monkeypatch)
    assert result.exit_code == 1
    assert ".eoffice-core.json is missing" in result.output and "cruft update" in result.output


def test_doctor_verifies_the_audit_chain(app, region, monkeypatch):
    import sqlalchemy as sa

    from eoffice import audit
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    events = [audit.record("test.event", ("tests", n)) for n in range(3)]
    db.session.commit()
    result = doctor(app, region, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "OK: the audit chain is intact (3 events, 0 anchors compared)." in result.output

    with chain.guards_lifted(db.session.connection()):
        db.session.execute(sa.update(audit.AuditEvent).where(audit.AuditEvent.id == events[1].id)
                           .values(actor_name="Orang Lain"))
    db.session.commit()
    result = doctor(app, region, monkeypatch)
    assert result.exit_code == 1
    assert f"PROBLEM: The chain is broken at event {events[1].id} (" in result.output
    assert "docs/it/audit.md" in result.output and "No problem found" not in result.output


def test_doctor_reports_missing_guards(app, region, monkeypatch):
    from eoffice.extensions import db
    from eoffice.maintenance import chain

    chain.drop_guards(db.session.connection())
    result = doctor(app, region, monkeypatch)
    assert result.exit_code == 1
    assert "PROBLEM: the database no longer refuses changes to the audit log" in result.output
    assert "flask eoffice audit guard" in result.output


def test_doctor_reports_pending_migrations(make_site, region, monkeypatch):
    from eoffice.maintenance.schema import is_local_path, pending_revisions, script_directory

    with make_site(migrate=False).context():
        script = script_directory()
        core = [r.revision for r in reversed(list(script.walk_revisions()))
                if not is_local_path(r.path)]
        if len(core) < 2:
            pytest.skip("needs two core revisions")
        pending = pending_revisions(script, {core[0]})
    site = make_site(revision=core[0])
    result = doctor(site.app, region, monkeypatch)
    assert result.exit_code == 1
    assert f"PROBLEM: {len(pending)} migrations not applied" in result.output
    assert core[1] in result.output and "flask db upgrade heads" in result.output


def test_doctor_on_a_database_without_schema(make_site, region, monkeypatch):
    result = doctor(make_site(migrate=False).app, region, monkeypatch)
    assert result.exit_code == 1
    assert "the database has no schema yet: run flask db upgrade heads" in result.output


def test_the_real_core_is_recorded_in_full(tmp_path):
    """Every file of this core is in the record (caches aside), hashed as it is on disk."""
    from eoffice.config import REGION_ROOT

    for folder in integrity.CORE_FOLDERS:
        shutil.copytree(REGION_ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    record = integrity.build_record(tmp_path)
    assert record["version"] == __version__
    assert "eoffice/maintenance/integrity.py" in record["files"]
    assert "migrations/alembic.ini" in record["files"]
    assert not any("__pycache__" in name for name in record["files"])

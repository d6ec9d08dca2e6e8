"""Configuration (eoffice/config.py): declared defaults, then region.toml, then the
environment, then the mapping given to create_app; wrong values name their option."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eoffice import create_app
from eoffice.config import (
    INSECURE_SECRET,
    OPTIONS,
    ConfigError,
    build_config,
    resolve_database_uri,
)
from eoffice.extensions import db


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config(tmp_path: Path, toml: str = "", environ: dict | None = None, **overrides) -> dict:
    return build_config(overrides, environ=environ or {},
                        region_toml=write_toml(tmp_path, toml))


def config_error(tmp_path: Path, toml: str = "", environ: dict | None = None,
                 **overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        config(tmp_path, toml, environ, **overrides)
    return str(caught.value)


def test_every_option_is_documented():
    assert len({option.key for option in OPTIONS}) == len(OPTIONS)
    for option in OPTIONS:
        assert option.doc.strip(), option.key


def test_defaults_without_region_toml(tmp_path):
    values = build_config(environ={}, region_toml=tmp_path / "missing.toml")
    assert values["SECRET_KEY"] == INSECURE_SECRET
    assert values["SQLALCHEMY_DATABASE_URI"] == "sqlite:///eoffice.db"
    assert values["TIMEZONE"] == "Asia/Jakarta"
    assert values["BABEL_DEFAULT_LOCALE"] == "id"
    assert values["PLUGINS_ENABLED"] == []
    assert values["PASSWORD_HASH_METHOD"] == "scrypt"
    assert (values["LOGIN_MAX_FAILURES"], values["PER_PAGE"]) == (5, 25)
    assert values["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(minutes=480)
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["REGION_TOML"] == {}


def test_region_toml_overrides_defaults(tmp_path):
    values = config(tmp_path, """
[region]
name = "Kota Bau-Bau"
type = "kota"
code = "74.72"
[locale]
timezone = "Asia/Makassar"
default_locale = "en"
[database]
url = "postgresql+psycopg://eoffice@db/baubau"
[plugins]
enabled = ["example", "arsip"]
[security]
login_max_failures = 3
session_lifetime_minutes = 60
secure_cookies = true
[letterhead]
lines = ["Jl. Kartini No. 1", "Telepon (0402) 2821234"]
""")
    assert (values["REGION_NAME"], values["REGION_TYPE"], values["REGION_CODE"]) == (
        "Kota Bau-Bau", "kota", "74.72")
    assert (values["TIMEZONE"], values["BABEL_DEFAULT_LOCALE"]) == ("Asia/Makassar", "en")
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://eoffice@db/baubau"
    assert values["PLUGINS_ENABLED"] == ["example", "arsip"]
    assert values["LOGIN_MAX_FAILURES"] == 3
    assert values["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(minutes=60)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["LETTERHEAD_LINES"] == ["Jl. Kartini No. 1", "Telepon (0402) 2821234"]
    assert values["REGION_TOML"]["region"]["name"] == "Kota Bau-Bau"


def test_environment_overrides_region_toml(tmp_path):
    values = config(tmp_path, '[database]\nurl = "sqlite:///dari-toml.db"\n', environ={
        "DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1/eoffice",
        "SECRET_KEY": "rahasia-dari-env-yang-cukup-panjang-123456",
        "EOFFICE_TIMEZONE": "WIT",
        "EOFFICE_PLUGINS": "example, arsip",
        "EOFFICE_SECURE_COOKIES": "ya",
    })
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@127.0.0.1/eoffice"
    assert values["SECRET_KEY"] == "rahasia-dari-env-yang-cukup-panjang-123456"
    assert values["TIMEZONE"] == "Asia/Jayapura"
    assert values["PLUGINS_ENABLED"] == ["example", "arsip"]
    assert values["SESSION_COOKIE_SECURE"] is True


def test_config_mapping_wins_over_the_environment(tmp_path):
    values = config(tmp_path, environ={"SECRET_KEY": "dari-env"}, SECRET_KEY="dari-tes",
                    TESTING=True)
    assert values["SECRET_KEY"] == "dari-tes"
    assert values["TESTING"] is True  # undeclared keys pass through


def test_region_toml_path_from_the_environment(tmp_path):
    other = tmp_path / "lain" / "region.toml"
    other.parent.mkdir()
    other.write_text('[region]\nname = "Provinsi Papua"\n', encoding="utf-8")
    values = build_config(environ={"EOFFICE_REGION_TOML": str(other)})
    assert values["REGION_NAME"] == "Provinsi Papua"
    assert values["REGION_TOML_PATH"] == str(other)


@pytest.mark.parametrize(("given", "stored"), [
    ("WIB", "Asia/Jakarta"), ("WITA", "Asia/Makassar"), ("WIT", "Asia/Jayapura"),
    ("wita", "Asia/Makassar"), ("Asia/Jayapura", "Asia/Jayapura"),
])
def test_timezone_aliases(tmp_path, given, stored):
    assert config(tmp_path, f'[locale]\ntimezone = "{given}"\n')["TIMEZONE"] == stored


@pytest.mark.parametrize(("toml", "environ", "names"), [
    ('[locale]\ntimezone = "Mars/Olympus"\n', {}, ["TIMEZONE", "locale.timezone",
                                                   "Mars/Olympus"]),
    ('[locale]\ndefault_locale = "jv"\n', {}, ["BABEL_DEFAULT_LOCALE", "locale.default_locale",
                                               "'jv'"]),
    ('[ui]\nper_page = "banyak"\n', {}, ["PER_PAGE", "ui.per_page", "banyak"]),
    ('[security]\nsecure_cookies = "mungkin"\n', {}, ["SESSION_COOKIE_SECURE", "mungkin"]),
    ("", {"EOFFICE_TIMEZONE": "GMT+7"}, ["TIMEZONE", "environment EOFFICE_TIMEZONE", "GMT+7"]),
    ("", {"EOFFICE_LOCALE": "fr"}, ["BABEL_DEFAULT_LOCALE", "environment EOFFICE_LOCALE"]),
])
def test_wrong_values_name_the_option(tmp_path, toml, environ, names):
    message = config_error(tmp_path, toml, environ)
    for name in names:
        assert name in message


def test_invalid_toml_is_reported_clearly(tmp_path):
    message = config_error(tmp_path, '[region]\nname = "Kabupaten Contoh\n')
    assert message.startswith("region.toml: not valid TOML (")
    assert "line 2" in message


def test_create_app_refuses_a_wrong_value(app_config):
    with pytest.raises(ConfigError, match="TIMEZONE"):
        create_app(app_config | {"TIMEZONE": "Atlantis/Tengah"})


def test_create_app_applies_region_identity(app_config):
    app = create_app(app_config | {"REGION_NAME": "Kabupaten Uji Coba", "TIMEZONE": "WITA"})
    assert app.config["TIMEZONE"] == "Asia/Makassar"
    assert "Kabupaten Uji Coba" in app.test_client().get("/masuk").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("uri", "expected"), [
    ("sqlite:///eoffice.db", "sqlite:////srv/instance/eoffice.db"),
    ("sqlite:////var/lib/eoffice.db", "sqlite:////var/lib/eoffice.db"),
    ("sqlite:///:memory:", "sqlite:///:memory:"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
])
def test_relative_sqlite_paths_live_in_instance(uri, expected):
    assert resolve_database_uri(uri, "/srv/instance") == expected


def test_security_headers(client):
    response = client.get("/masuk")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(("environ", "secure"), [
    ({}, False),
    ({"EOFFICE_ENV": "production"}, True),  # production needs no second setting
    ({"EOFFICE_ENV": "production", "EOFFICE_SECURE_COOKIES": "auto"}, True),
    ({"EOFFICE_ENV": "development", "EOFFICE_SECURE_COOKIES": "1"}, True),
    # only for a benchmark on plain-http loopback (eoffice/bench/runner.py)
    ({"EOFFICE_ENV": "production", "EOFFICE_SECURE_COOKIES": "false"}, False),
])
def test_cookies_are_secure_in_production(tmp_path, environ, secure):
    values = build_config(environ=environ, region_toml=tmp_path / "missing.toml")
    assert values["SESSION_COOKIE_SECURE"] is secure
    assert values["REMEMBER_COOKIE_SECURE"] is secure
    assert values["SESSION_COOKIE_HTTPONLY"] is values["REMEMBER_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert (values.get("SESSION_COOKIE_NAME") == "__Host-eoffice") is secure


def test_a_secure_cookie_under_a_sub_path_keeps_its_plain_name(tmp_path):
    """``__Host-`` cookies must have Path=/; an app under a sub-path keeps Flask's name."""
    values = build_config({"APPLICATION_ROOT": "/eoffice"}, environ={"EOFFICE_ENV": "production"},
                          region_toml=tmp_path / "missing.toml")
    assert values["SESSION_COOKIE_SECURE"] is True
    assert "SESSION_COOKIE_NAME" not in values

"""The one declared source of configuration.

Every option has a default, a type and a line of documentation here. Values are
taken, later ones winning, from: these defaults, ``region.toml`` (at the
option's ``toml`` path), the environment (the option's ``env`` name), and the
``config`` mapping passed to ``create_app`` (tests).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REGION_ROOT = Path(__file__).resolve().parent.parent

TIMEZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
LOCALES = ("id", "en")
INSECURE_SECRET = "dev-insecure-secret-key"  # noqa: S105 - the marker `check` refuses


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the option and the value."""


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "ya"}:
        return True
    if text in {"0", "false", "no", "off", "tidak", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _to_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _to_auto_bool(value: Any) -> bool | str:
    """A switch whose default follows another setting: "auto", or true/false."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        return _to_bool(value)
    except ValueError:
        raise ValueError(f"expected auto, true or false, got {value!r}") from None


def _to_timezone(value: Any) -> str:
    text = str(value).strip()
    text = TIMEZONE_ALIASES.get(text.upper(), text)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r}; use one of {', '.join(TIMEZONES)}") from exc
    return text


def _to_locale(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in LOCALES:
        raise ValueError(f"unknown locale {value!r}; use one of {', '.join(LOCALES)}")
    return text


def _choice(*allowed: str):
    def convert(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in allowed:
            raise ValueError(f"unknown value {value!r}; use one of {', '.join(allowed)}")
        return text

    return convert


def _to_kdf(value: Any) -> str:
    """``scrypt:N:r:p`` with N a power of two of at least 2**10 (tests use the least)."""
    text = str(value).strip()
    parts = text.split(":")
    if len(parts) != 4 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:]):
        raise ValueError(f"{text!r} is not scrypt:N:r:p")
    n, r, p = (int(x) for x in parts[1:])
    if n < 1024 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ValueError(f"{text!r}: N must be a power of two >= 1024, r 1-32, p 1-16")
    return text


CONVERTERS = {
    str: lambda v: str(v),
    int: lambda v: int(v),
    bool: _to_bool,
    list: _to_list,
    dict: lambda v: {str(k): str(x) for k, x in dict(v).items()},
    "timezone": _to_timezone,
    "locale": _to_locale,
    "auto_bool": _to_auto_bool,
    "kdf": _to_kdf,
    "jobs_backend": _choice("sqlite", "redis", "immediate"),
    "smtp_security": _choice("starttls", "ssl", "none"),
}



@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    type: Any
    doc: str
    toml: str | None = None
    env: str | None = None

    def convert(self, value: Any, source: str) -> Any:
        try:
            return CONVERTERS[self.type](value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.key} ({source}): {exc}") from exc


OPTIONS: tuple[Option, ...] = (
    Option("SECRET_KEY", INSECURE_SECRET, str, "Signs sessions and CSRF tokens; set in .env.",
           env="SECRET_KEY"),
    Option("EOFFICE_ENV", "development", str, "development or production.", env="EOFFICE_ENV"),
    Option("SQLALCHEMY_DATABASE_URI", "sqlite:///eoffice.db", str,
           "Database URL; relative SQLite paths live in instance/.", toml="database.url",
           env="DATABASE_URL"),
    Option("SQLITE_BUSY_TIMEOUT_SECONDS", 15, int,
           "SQLite: how long a write waits for another writer before the user is told the "
           "database is busy (HTTP 503, try again).", toml="database.sqlite_busy_timeout_seconds"),
    Option("REGION_NAME", "Kabupaten Contoh", str, "Name of the region.", toml="region.name"),
    Option("REGION_TYPE", "kabupaten", str, "kabupaten, kota or provinsi.", toml="region.type"),
    Option("REGION_SLUG", "kabupaten-contoh", str, "Short name used in paths.", toml="region.slug"),
    Option("REGION_CODE", "", str, "Kemendagri region code (NN or NN.NN).", toml="region.code"),
    Option("AGENCY_NAME", "Pemerintah Kabupaten Contoh", str, "Agency name on the letterhead.",
           toml="region.agency_name"),
    Option("REGION_ADDRESS", "", str, "Office address.", toml="region.address"),
    Option("REGION_PHONE", "", str, "Office phone.", toml="region.phone"),
    Option("REGION_EMAIL", "", str, "Office email.", toml="region.email"),
    Option("REGION_WEBSITE", "", str, "Official website.", toml="region.website"),
    Option("ADMIN_EMAIL", "", str, "Email of the application administrator.",
           toml="region.admin_email"),
    Option("REGION_LOGO", "", str, "Logo file relative to region.toml; empty: built-in emblem.",
           toml="region.logo"),
    Option("PRIMARY_COLOR", "#0b5394", str, "Main colour of the layout.",
           toml="region.primary_color"),
    Option("ACCENT_COLOR", "#f1c232", str, "Accent colour.", toml="region.accent_color"),
    Option("TIMEZONE", "Asia/Jakarta", "timezone", "Region timezone (WIB/WITA/WIT accepted).",
           toml="locale.timezone", env="EOFFICE_TIMEZONE"),
    Option("BABEL_DEFAULT_LOCALE", "id", "locale", "Default UI language: id or en.",
           toml="locale.default_locale", env="EOFFICE_LOCALE"),
    Option("AGENDA_PATTERN", "{seq:05d}", str,
           "Agenda number pattern of incoming letters: the region-wide default numbering "
           "series is made from it once; afterwards the series is edited in the app "
           "(Administration > Numbering series).", toml="numbering.agenda_pattern"),
    Option("LETTER_PATTERN", "{code}/{seq}/{unit}/{year}", str,
           "Number pattern of outgoing letters: the default outgoing numbering series is made "
           "from it once (see AGENDA_PATTERN).", toml="numbering.letter_pattern"),
    Option("NUMBERING_CENTRAL_UNIT", "", str,
           "Unit code of the central records office (TU of the Sekretariat Daerah): its clerks "
           "and those of the units below it register incoming letters for any OPD and read "
           "every OPD's agenda book; empty: every clerk works for their own OPD only.",
           toml="numbering.central_unit"),
    Option("LETTERHEAD_LINES", [], list, "Lines under the agency name on the letterhead.",
           toml="letterhead.lines"),
    Option("PLUGINS_ENABLED", [], list, "Local plugins (folders of local/plugins) to load.",
           toml="plugins.enabled", env="EOFFICE_PLUGINS"),
    Option("SESSION_LIFETIME_MINUTES", 480, int, "A session ends this long after login.",
           toml="security.session_lifetime_minutes"),
    Option("SESSION_IDLE_MINUTES", 60, int, "A session ends after this long without a request.",
           toml="security.session_idle_minutes"),
    Option("LOGIN_MAX_FAILURES", 5, int, "Failed logins before an account is locked for a while.",
           toml="security.login_max_failures"),
    Option("LOGIN_LOCK_MINUTES", 15, int, "How long a locked account stays locked.",
           toml="security.login_lock_minutes"),
    Option("PASSWORD_HASH_METHOD", "scrypt", str, "werkzeug password hash method.",
           toml="security.password_hash_method"),
    Option("PASSWORD_MIN_LENGTH", 12, int, "Shortest password accepted (OWASP ASVS: 12).",
           toml="security.password_min_length"),
    Option("PASSWORD_MAX_LENGTH", 128, int,
           "Longest password accepted (at least 64, so that long passphrases fit).",
           toml="security.password_max_length"),
    Option("PASSWORD_MIN_SCORE", 3, int,
           "zxcvbn score (0-4) a new password needs: 3 means about 10^8 guesses or more.",
           toml="security.password_min_score"),
    Option("PER_PAGE", 25, int, "Rows per page in lists.", toml="ui.per_page"),
    Option("PAGE_CACHE_SECONDS", 60, int,
           "Longest time a worker serves a session's copy of a busy list page (letters, "
           "queues, dashboard) while nothing was written; 0 turns the page cache off.",
           toml="ui.page_cache_seconds", env="EOFFICE_PAGE_CACHE_SECONDS"),
    Option("PAGE_CACHE_ENTRIES", 256, int,
           "Pages each worker process keeps in its page cache (about 30 KB each).",
           toml="ui.page_cache_entries"),
    Option("MAX_IMPORT_ROWS", 20000, int, "Largest staff import accepted, in rows.",
           toml="staff.max_import_rows"),
    Option("FILE_MAX_BYTES", 20 * 1024 * 1024, int, "Largest single uploaded file, in bytes.",
           toml="files.max_file_bytes", env="EOFFICE_FILE_MAX_BYTES"),
    Option("FILE_SWEEP_AFTER_HOURS", 24, int,
           "Age after which a temporary upload is removed and a stored file no row refers "
           "to is moved to quarantine (flask eoffice files sweep).",
           toml="files.sweep_after_hours"),
    Option("MAX_CONTENT_LENGTH", 105 * 1024 * 1024, int,
           "Largest request (all files of one form together), in bytes.",
           toml="files.max_request_bytes"),
    Option("DUE_DAYS_AMAT_SEGERA", 1, int, "Working days to act on an 'amat segera' letter.",
           toml="dispositions.due_days_amat_segera"),
    Option("DUE_DAYS_SEGERA", 2, int, "Working days for 'segera'.",
           toml="dispositions.due_days_segera"),
    Option("DUE_DAYS_PENTING", 3, int, "Working days for 'penting'.",
           toml="dispositions.due_days_penting"),
    Option("DUE_DAYS_BIASA", 5, int, "Working days for 'biasa'.",
           toml="dispositions.due_days_biasa"),
    Option("LETTER_COUNTER", "shared", str,
           "Outgoing letter numbers: 'shared' (one sequence a year for all letters) or "
           "'per_code' (one sequence a year per classification code); read once, when the "
           "default outgoing numbering series is made.",
           toml="numbering.letter_counter"),
    Option("ALLOW_SELF_APPROVAL", False, bool,
           "Whether a drafter may verify (paraf) or sign their own draft.",
           toml="outgoing.allow_self_approval"),
    Option("PUBLIC_BASE_URL", "", str,
           "Public address of this app (https://eoffice.example.go.id), used in QR codes; "
           "empty: the address of the request.", toml="region.public_base_url",
           env="EOFFICE_PUBLIC_BASE_URL"),
    Option("HOLIDAYS", [], list, "Public holidays (YYYY-MM-DD) skipped when counting working days.",
           toml="dispositions.holidays"),
    Option("SESSION_COOKIE_SECURE", "auto", "auto_bool",
           "Send cookies over HTTPS only: auto (on when EOFFICE_ENV=production), true or false.",
           toml="security.secure_cookies", env="EOFFICE_SECURE_COOKIES"),
    Option("API_MAX_PER_PAGE", 100, int, "Largest page an API list returns (?per_page=).",
           toml="api.max_per_page"),
    Option("JSON_MAX_BYTES", 40 * 1024 * 1024, int,
           "Largest JSON body (API, letter exchange), in bytes; files in it are base64.",
           toml="api.max_json_bytes"),
    Option("JSON_MAX_DEPTH", 32, int, "Deepest nesting of lists and objects a JSON body may have.",
           toml="api.max_json_depth"),
    Option("EXCHANGE_KEY_FILE", "exchange_ed25519.pem", str,
           "This app's private Ed25519 key for letter exchange, relative to instance/ "
           "(made on first need, mode 0600).", toml="exchange.key_file",
           env="EOFFICE_EXCHANGE_KEY_FILE"),
    Option("EXCHANGE_RECEIVING_UNIT", "", str,
           "Unit code whose clerks accept letters from other regions (and units below it); "
           "empty: any clerk.", toml="exchange.receiving_unit"),
    Option("EXCHANGE_CLOCK_SKEW_SECONDS", 600, int,
           "A message signed longer ago (or further ahead) than this is refused.",
           toml="exchange.clock_skew_seconds"),
    Option("EXCHANGE_TIMEOUT_SECONDS", 15, int, "Network timeout of one delivery attempt.",
           toml="exchange.timeout_seconds", env="EOFFICE_EXCHANGE_TIMEOUT_SECONDS"),
    Option("EXCHANGE_RETRY_BASE_SECONDS", 60, int,
           "Wait after the first failed attempt; doubled after each further failure.",
           toml="exchange.retry_base_seconds", env="EOFFICE_EXCHANGE_RETRY_BASE_SECONDS"),
    Option("EXCHANGE_RETRY_MAX_SECONDS", 6 * 3600, int, "Longest wait between two attempts.",
           toml="exchange.retry_max_seconds"),
    Option("EXCHANGE_MAX_ATTEMPTS", 30, int,
           "Attempts before a delivery is given up (an administrator can retry it).",
           toml="exchange.max_attempts"),
    Option("EXCHANGE_ALLOW_HTTP", False, bool,
           "Allow peers at plain http:// addresses other than loopback (never in production).",
           toml="exchange.allow_http"),
    Option("BENCHMARK_ROUTE", False, bool,
           "Serve /_bench/ok, a bare answer without database or session, which "
           "`flask eoffice bench run` compares the pages with; the benchmark turns it on for "
           "its own server. Keep it off otherwise.", env="EOFFICE_BENCHMARK_ROUTE"),
    Option("SIASN_UNOR_MAP", {}, dict,
           "SIASN import: UNOR_ID or UNOR_NAMA -> unit code, for units whose code or name "
           "differs from SIASN.", toml="staff.siasn_unor"),
    Option("SEARCH_OCR", False, bool,
           "Read scans without a text layer (image PDFs, JPG, PNG) with OCR for the search: "
           "needs tesseract-ocr and tesseract-ocr-ind; `flask eoffice search extract` does "
           "it in the background.", toml="search.ocr", env="EOFFICE_SEARCH_OCR"),
    Option("SEARCH_OCR_LANGUAGES", "ind+eng", str,
           "Tesseract languages for OCR, e.g. ind+eng.", toml="search.ocr_languages"),
    Option("SIGNING_BACKEND", "sertifikat", str,
           "Who signs issued letters (PAdES): sertifikat (each official's enrolled "
           "certificate) or a backend a plugin adds.", toml="signing.backend"),
    Option("SIGNING_TSA_URL", "", str,
           "RFC 3161 timestamp authority: when set, signatures carry a timestamp (PAdES "
           "B-T); empty: PAdES B-B.", toml="signing.tsa_url"),
    Option("SIGNING_TSA_TIMEOUT_SECONDS", 15, int,
           "Network timeout of a timestamp request.", toml="signing.tsa_timeout_seconds"),
    Option("SIGNING_LOCATION", "", str,
           "Location written in each signature; empty: the region's name.",
           toml="signing.location"),
    Option("SIGNING_KDF", "scrypt:32768:8:3", "kdf",
           "How a signing passphrase becomes the key that encrypts an official's private "
           "key: scrypt:N:r:p (applies to new enrolments).", toml="signing.kdf"),
    Option("JOBS_BACKEND", "sqlite", "jobs_backend",
           "Where background jobs wait for the worker: sqlite (a file in instance/, no extra "
           "service), redis (EOFFICE_REDIS_URL; several app servers) or immediate (run at "
           "once, in the process that queues them; no worker).", toml="jobs.backend",
           env="EOFFICE_JOBS_BACKEND"),
    Option("JOBS_SQLITE_FILE", "jobs.db", str,
           "The job queue's SQLite file (backend sqlite), relative to instance/.",
           toml="jobs.sqlite_file"),
    Option("JOBS_REDIS_URL", "", str,
           "Redis server of the job queue (backend redis), e.g. redis://127.0.0.1:6379/0.",
           toml="jobs.redis_url", env="EOFFICE_REDIS_URL"),
    Option("JOBS_RETRIES", 5, int, "Times a failed job is tried again.",
           toml="jobs.retries"),
    Option("JOBS_RETRY_DELAY_SECONDS", 60, int, "Wait before a failed job is tried again.",
           toml="jobs.retry_delay_seconds"),
    Option("NOTIFY_DUE_SOON_DAYS", 2, int,
           "Working days before a disposition's due date when its recipients are warned; "
           "0: no due-soon warning.", toml="notifications.due_soon_days"),
    Option("NOTIFY_DIGEST_HOUR", 7, int,
           "Region-local hour (0-23) at which the daily digest e-mail goes to the users who "
           "asked for it, on working days.", toml="notifications.digest_hour"),
    Option("SMTP_HOST", "", str,
           "SMTP server for notification e-mail; empty: no e-mail is sent.",
           toml="mail.smtp_host", env="EOFFICE_SMTP_HOST"),
    Option("SMTP_PORT", 587, int, "SMTP port (587 STARTTLS, 465 SSL, 25 plain).",
           toml="mail.smtp_port", env="EOFFICE_SMTP_PORT"),
    Option("SMTP_SECURITY", "starttls", "smtp_security",
           "starttls, ssl or none (none only for a relay on the same machine or network).",
           toml="mail.security", env="EOFFICE_SMTP_SECURITY"),
    Option("SMTP_USERNAME", "", str, "SMTP login; empty: no login.",
           env="EOFFICE_SMTP_USERNAME"),
    Option("SMTP_PASSWORD", "", str, "SMTP password (in .env only).",
           env="EOFFICE_SMTP_PASSWORD"),
    Option("SMTP_TIMEOUT_SECONDS", 15, int, "Network timeout of one SMTP session.",
           toml="mail.timeout_seconds"),
    Option("WHATSAPP_URL", "", str,
           "WhatsApp gateway webhook (https://...) that notifications are POSTed to as JSON; "
           "empty: no WhatsApp.", toml="whatsapp.url", env="EOFFICE_WHATSAPP_URL"),
    Option("WHATSAPP_TOKEN", "", str,
           "Bearer token sent to the WhatsApp gateway (in .env only).",
           env="EOFFICE_WHATSAPP_TOKEN"),
    Option("WHATSAPP_SECRET", "", str,
           "Key of the HMAC-SHA256 signature of each request (X-Eoffice-Signature), so the "
           "gateway can check it came from here (in .env only).",
           env="EOFFICE_WHATSAPP_SECRET"),
    Option("WHATSAPP_TEMPLATE", '{"phone": "{phone}", "message": "{text}"}', str,
           "The JSON body sent to the gateway; {phone}, {text}, {link} and {name} in its "
           "strings are replaced.", toml="whatsapp.template"),
    Option("WHATSAPP_TIMEOUT_SECONDS", 10, int, "Network timeout of one gateway request.",
           toml="whatsapp.timeout_seconds"),
    Option("MAIL_FROM", "", str,
           "Sender address of notification e-mail, e.g. \"E-Office <noreply@contoh.go.id>\"; "
           "empty: the region's e-mail (region.email).", toml="mail.from",
           env="EOFFICE_MAIL_FROM"),
)

OPTIONS_BY_KEY = {option.key: option for option in OPTIONS}


def _secure_cookies(values: dict[str, Any]) -> None:
    """Cookie flags (OWASP ASVS 3.4): HttpOnly and SameSite=Lax always; Secure whenever
    EOFFICE_ENV=production unless set otherwise (``secure_cookies = false`` is for a
    benchmark on plain-http loopback, never for a real site). A secure session cookie
    is named with the ``__Host-`` prefix: the browser then keeps it for this host over
    HTTPS only, with no Domain and Path=/ (a sub-domain cannot plant or read it)."""
    secure = values["SESSION_COOKIE_SECURE"]
    if secure == "auto":
        secure = values["EOFFICE_ENV"] == "production"
    values["SESSION_COOKIE_SECURE"] = secure
    values.setdefault("SESSION_COOKIE_HTTPONLY", True)
    values.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    if secure and not values.get("SESSION_COOKIE_DOMAIN") \
            and values.get("SESSION_COOKIE_PATH") in (None, "/") \
            and values.get("APPLICATION_ROOT") in (None, "/"):
        values.setdefault("SESSION_COOKIE_NAME", "__Host-eoffice")
    # Flask-Login's "remember me" cookie (not offered today) gets the same flags.
    values.setdefault("REMEMBER_COOKIE_SECURE", secure)
    values.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    values.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")


def read_region_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML ({exc})") from exc


def _dig(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


_MISSING = object()


def build_config(overrides: dict | None = None, environ: dict | None = None,
                 region_toml: Path | None = None) -> dict[str, Any]:
    """Resolve every declared option; raise ConfigError naming the first wrong one."""
    environ = os.environ if environ is None else environ
    toml_path = Path(environ.get("EOFFICE_REGION_TOML", region_toml or REGION_ROOT / "region.toml"))
    toml_data = read_region_toml(toml_path)
    overrides = dict(overrides or {})
    values: dict[str, Any] = {"REGION_TOML_PATH": str(toml_path), "REGION_TOML": toml_data}
    for option in OPTIONS:
        value = option.default
        if option.toml:
            found = _dig(toml_data, option.toml)
            if found is not _MISSING:
                value = option.convert(found, f"region.toml [{option.toml}]")
        if option.env and option.env in environ:
            value = option.convert(environ[option.env], f"environment {option.env}")
        if option.key in overrides:
            value = option.convert(overrides.pop(option.key), "config")
        values[option.key] = value
    values.update(overrides)  # undeclared keys from tests (TESTING, WTF_CSRF_ENABLED, ...)
    _secure_cookies(values)
    values["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=values["SESSION_LIFETIME_MINUTES"])
    values.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    # Flask-Compress: CSS, JavaScript and SVG only, never pages or API answers (a secret
    # compressed next to attacker-chosen text can leak: BREACH); see eoffice/assets.py.
    values.setdefault("COMPRESS_MIMETYPES", ["text/css", "text/javascript",
                                             "application/javascript", "image/svg+xml"])
    values.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    values.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])  # files are streamed
    values.setdefault("COMPRESS_BR_LEVEL", 5)  # smaller than gzip -6 at about its speed
    values.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL",
                      ["static", "bootstrap.static", "dashboard.logo"])
    values.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    # The session cookie is sent again only when the session changed (login, a flashed
    # message, the language), never for assets: the idle clock is kept on the server
    # (auth/sessions.py), and the cookie's own expiry is the session's lifetime.
    values.setdefault("SESSION_REFRESH_EACH_REQUEST", False)
    values.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    return values


def resolve_database_uri(uri: str, instance_path: str) -> str:
    """Relative SQLite paths are taken inside the instance folder."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/") and uri != "sqlite:///:memory:":
        relative = uri[len(prefix):]
        if relative and not relative.startswith(":"):
            return prefix + str(Path(instance_path) / relative)
    return uri

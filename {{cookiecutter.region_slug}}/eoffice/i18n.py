"""Language selection: the user's choice, then the session, then the region default."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, session
from flask_login import current_user

from eoffice.config import LOCALES, REGION_ROOT

CORE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# The region's own catalog: the strings of its plugins in local/ (optional).
LOCAL_TRANSLATIONS = REGION_ROOT / "local" / "translations"


def translation_directories() -> str:
    """Flask-Babel's directory list (";"-separated): the local catalog, then the core's.

    Flask-Babel merges the catalogs in this order, a later one winning, so on a
    msgid that both translate the core's translation is kept (a local catalog
    cannot change the core's wording), and so is the core's plural rule. A region
    without local/translations simply has no local catalog.
    """
    return ";".join(str(path) for path in (LOCAL_TRANSLATIONS, CORE_TRANSLATIONS))


def select_locale() -> str:
    """Outside a request (CLI, background work) the region default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and \
            current_user.locale in LOCALES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _locale_context():
        return {"current_locale": str(get_locale()), "locales": [
            ("id", "Bahasa Indonesia"), ("en", "English")]}

"""On screen, every date reads one way (issue: three formats on one page)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from eoffice.ui import filter_date, filter_datetime


@pytest.mark.parametrize(("locale", "date", "moment"), [
    ("id", "3 Des 2026", "3 Des 2026 13.45 WIB"),
    ("en", "Dec 3, 2026", "Dec 3, 2026, 1:45\u202fPM WIB"),
])
def test_screen_dates_have_one_shape(app, locale, date, moment):
    app.config["TIMEZONE"] = "Asia/Jakarta"
    stored = dt.datetime(2026, 12, 3, 6, 45, 4)  # naive UTC, as the database keeps it
    with app.test_request_context(), force_locale(locale):
        for fmt in ("short", "medium"):
            assert filter_date(stored.date(), fmt) == date
            assert filter_datetime(stored, fmt) == moment
        assert filter_date(stored.date(), "long") == ("3 Desember 2026" if locale == "id"
                                                       else "December 3, 2026")


"""The NIP rules (eoffice/staff/nip.py), property-based: every generated valid NIP parses and
round-trips; every kind of corruption is refused with NipError, never another exception."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eoffice.staff.nip import (
    NipError,
    NipInfo,
    format_nip,
    is_valid_nip,
    make_nip,
    normalize_nip,
    parse_nip,
)

TODAY = dt.date.today()
FAST = settings(max_examples=200, deadline=None)
GROUPED = re.compile(r"^[0-9]{8} [0-9]{6} [12] [0-9]{3}$")


@st.composite
def nip_parts(draw):
    """(birth date, TMT year, TMT month, gender, sequence) that make a valid NIP."""
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1),
                          max_value=dt.date(TODAY.year - 19, 12, 31)))
    tmt_year = draw(st.integers(birth.year + 18, TODAY.year))
    first_month = birth.month if tmt_year == birth.year + 18 else 1
    tmt_month = draw(st.integers(first_month, 12))
    gender = draw(st.sampled_from("LP"))
    sequence = draw(st.integers(1, 999))
    return birth, tmt_year, tmt_month, gender, sequence


valid_nips = nip_parts().map(lambda parts: make_nip(*parts))


# --- Valid NIPs ---------------------------------------------------------------------------

def test_known_nip_parses_into_its_parts():
    info = parse_nip("196804111993031009")
    assert info == NipInfo("196804111993031009", dt.date(1968, 4, 11), 1993, 3, "L", 9)
    assert parse_nip("198502152010122001").gender == "P"


def test_nip_is_shown_grouped():
    assert format_nip("196804111993031009") == "19680411 199303 1 009"


@FAST
@given(nip_parts())
def test_generated_nip_parses_into_its_parts(parts):
    birth, tmt_year, tmt_month, gender, sequence = parts
    nip = make_nip(*parts)
    info = parse_nip(nip)
    assert len(nip) == 18 and nip.isascii() and nip.isdigit()
    assert (info.nip, info.birth_date, info.tmt_year, info.tmt_month, info.gender,
            info.sequence) == (nip, birth, tmt_year, tmt_month, gender, sequence)
    assert is_valid_nip(nip)


@FAST
@given(valid_nips, st.sampled_from([" ", ".", "-"]))
def test_grouped_nip_round_trips(nip, separator):
    shown = format_nip(nip)
    assert GROUPED.match(shown)
    assert normalize_nip(shown) == nip
    assert parse_nip(shown).nip == nip
    typed = shown.replace(" ", separator)
    assert normalize_nip(typed) == nip
    assert format_nip(typed) == shown


@FAST
@given(st.text(max_size=30).filter(lambda text: len(normalize_nip(text)) != 18))
def test_format_leaves_anything_else_unchanged(text):
    assert format_nip(text) == text


# --- Invalid NIPs -------------------------------------------------------------------------

@FAST
@given(valid_nips, st.sampled_from("0" + "3456789"))
def test_gender_digit_other_than_1_or_2_is_refused(nip, digit):
    corrupted = nip[:14] + digit + nip[15:]
    with pytest.raises(NipError, match="Digit 15"):
        parse_nip(corrupted)


@st.composite
def impossible_dates(draw):
    """YYYYMMDD strings that are not calendar dates."""
    year = draw(st.integers(1900, TODAY.year - 19))
    kind = draw(st.sampled_from(["month", "day", "zero-day"]))
    if kind == "month":
        month, day = draw(st.sampled_from([0, *range(13, 100)])), draw(st.integers(1, 28))
    elif kind == "day":
        month = draw(st.integers(1, 12))
        day = draw(st.integers(calendar.monthrange(year, month)[1] + 1, 99))
    else:
        month, day = draw(st.integers(1, 12)), 0
    return f"{year:04d}{month:02d}{day:02d}"


@FAST
@given(valid_nips, impossible_dates())
@example("196804111993031009", "19690229")  # not a leap year
@example("196804111993031009", "19000229")  # 1900 was not a leap year either
def test_impossible_birth_date_is_refused(nip, date_digits):
    with pytest.raises(NipError, match="birth date"):
        parse_nip(date_digits + nip[8:])


@FAST
@given(nip_parts(), st.data())
def test_tmt_before_the_18th_birthday_is_refused(parts, data):
    birth, _, _, gender, sequence = parts
    tmt_year = data.draw(st.integers(birth.year, birth.year + 18))
    last_month = birth.month - 1 if tmt_year == birth.year + 18 else 12
    if last_month < 1:
        tmt_year, last_month = tmt_year - 1, 12
    tmt_month = data.draw(st.integers(1, last_month))
    with pytest.raises(NipError, match="18th birthday"):
        parse_nip(make_nip(birth, tmt_year, tmt_month, gender, sequence))


@FAST
@given(valid_nips, st.sampled_from(["00", "13", "99"]))
def test_impossible_tmt_month_is_refused(nip, month):
    with pytest.raises(NipError, match="TMT"):
        parse_nip(nip[:12] + month + nip[14:])


def test_tmt_in_the_future_is_refused():
    with pytest.raises(NipError, match="future"):
        parse_nip(make_nip(dt.date(1990, 1, 1), TODAY.year + 2, 1, "L", 1))


def test_birth_date_in_the_future_or_before_1900_is_refused():
    with pytest.raises(NipError, match="not plausible"):
        parse_nip(f"{TODAY.year + 1}0101" + "2010011001")
    with pytest.raises(NipError, match="not plausible"):
        parse_nip("18991231" + "1920011001")


@FAST
@given(valid_nips)
def test_sequence_000_is_refused(nip):
    with pytest.raises(NipError, match="sequence"):
        parse_nip(nip[:15] + "000")


@FAST
@given(st.text(alphabet="0123456789", max_size=30).filter(lambda digits: len(digits) != 18))
def test_wrong_length_is_refused(digits):
    with pytest.raises(NipError, match="exactly 18 digits"):
        parse_nip(digits)
    assert not is_valid_nip(digits)


@FAST
@given(valid_nips, st.integers(0, 17), st.sampled_from("aZ_/+é"))
def test_letters_are_refused(nip, position, character):
    with pytest.raises(NipError):
        parse_nip(nip[:position] + character + nip[position + 1:])


non_ascii_digits = st.characters(categories=["Nd", "No"]).filter(lambda c: not c.isascii())


@FAST
@given(valid_nips, st.integers(0, 17), non_ascii_digits)
@example("196804111993031009", 9, "\u00b2")  # superscript two, in the TMT year
@example("196804111993031009", 0, "\uff11")  # fullwidth one
def test_non_ascii_digits_are_refused(nip, position, character):
    """``str.isdigit`` accepts "²" and "١"; a NIP is made of ASCII digits only."""
    with pytest.raises(NipError):
        parse_nip(nip[:position] + character + nip[position + 1:])


@FAST
@given(st.text(max_size=40))
@example("")
@example(None)
def test_any_text_parses_or_raises_nip_error(text):
    """Whatever a user types, the answer is a NipInfo or a NipError (never a crash)."""
    try:
        info = parse_nip(text)
    except NipError as error:
        assert str(error)
    else:
        assert len(info.nip) == 18 and info.nip.isascii() and info.nip.isdigit()


def test_digit_count_is_reported():
    with pytest.raises(NipError, match=r"\(17 given\)"):
        parse_nip("19680411 199303 1 00")

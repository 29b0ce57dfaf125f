"""tsuzuri.dates: front-matter dates and filename dates, Jekyll style, in the site timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from tsuzuri import frontmatter
from tsuzuri.dates import DateError, filename_date, parse_date

TOKYO = ZoneInfo("Asia/Tokyo")
UTC = dt.timezone.utc


def tokyo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def assert_tokyo(value: dt.datetime, *expected) -> None:
    """Same wall clock as ``expected`` in Tokyo, and carried in the site timezone."""
    assert value.tzinfo is not None
    assert value.utcoffset() == dt.timedelta(hours=9)
    assert value.replace(tzinfo=None) == dt.datetime(*expected)
    assert value == tokyo(*expected)


# ---------------------------------------------------------------- parse_date: accepted shapes

def test_utc_offset_without_colon_is_converted_to_tokyo():
    value, warning = parse_date("2025-09-18 04:37:41 +0000", TOKYO)
    assert_tokyo(value, 2025, 9, 18, 13, 37, 41)
    assert warning is None


@pytest.mark.parametrize("text", ["2025-09-18 13:37:41 +09:00", "2025-09-18 13:37:41 +0900"])
def test_tokyo_offset_with_and_without_colon(text):
    value, warning = parse_date(text, TOKYO)
    assert_tokyo(value, 2025, 9, 18, 13, 37, 41)
    assert warning is None


def test_negative_offset():
    value, _ = parse_date("2016-08-02 22:00:00 -0700", TOKYO)
    assert_tokyo(value, 2016, 8, 3, 14, 0, 0)


def test_date_object_is_midnight_in_tokyo():
    value, warning = parse_date(dt.date(2010, 1, 10), TOKYO)
    assert_tokyo(value, 2010, 1, 10, 0, 0, 0)
    assert warning is None


def test_date_only_string_is_midnight_in_tokyo():
    value, warning = parse_date("2010-01-10", TOKYO)
    assert_tokyo(value, 2010, 1, 10, 0, 0, 0)
    assert warning is None


def test_one_digit_hour():
    value, warning = parse_date("2025-09-18 4:05:00 +0900", TOKYO)
    assert_tokyo(value, 2025, 9, 18, 4, 5, 0)
    assert warning is None


@pytest.mark.parametrize("line", [
    'date: "2025-09-18 04:37:41 +0000"',
    "date: '2025-09-18 04:37:41 +0000'",
    "date: 2025-09-18 04:37:41 +0000",
])
def test_quoted_and_unquoted_front_matter_dates_read_alike(line):
    split = frontmatter.split(f"---\ntitle: t\n{line}\n---\nbody\n")
    assert split.problem is None
    assert split.data["date"] == "2025-09-18 04:37:41 +0000"  # the YAML quotes are gone
    value, warning = parse_date(split.data["date"], TOKYO)
    assert_tokyo(value, 2025, 9, 18, 13, 37, 41)
    assert warning is None


def test_yaml_date_reaches_parse_date_as_text_not_a_crash():
    # PyYAML's timestamp resolver would crash on 2025-02-30; the loader keeps it as text.
    split = frontmatter.split("---\ndate: 2025-02-30\n---\n")
    assert split.problem is None
    assert split.data["date"] == "2025-02-30"


def test_naive_string_is_wall_clock_in_site_timezone():
    value, warning = parse_date("2025-09-18 10:00:00", TOKYO)
    assert_tokyo(value, 2025, 9, 18, 10, 0, 0)
    assert warning is None


def test_naive_string_follows_the_configured_timezone():
    value, _ = parse_date("2025-09-18 10:00:00", ZoneInfo("America/New_York"))
    assert value.astimezone(UTC) == dt.datetime(2025, 9, 18, 14, 0, tzinfo=UTC)
    assert value.utcoffset() == dt.timedelta(hours=-4)


def test_naive_datetime_object_is_site_time_and_aware_one_is_converted():
    naive, _ = parse_date(dt.datetime(2025, 9, 18, 10, 0), TOKYO)
    assert_tokyo(naive, 2025, 9, 18, 10, 0, 0)
    aware, _ = parse_date(dt.datetime(2025, 9, 18, 20, 0, tzinfo=UTC), TOKYO)
    assert_tokyo(aware, 2025, 9, 19, 5, 0, 0)


def test_evening_utc_is_next_day_in_tokyo():
    value, _ = parse_date("2025-09-18 20:00:00 +0000", TOKYO)
    assert value.date() == dt.date(2025, 9, 19)
    assert_tokyo(value, 2025, 9, 19, 5, 0, 0)


@pytest.mark.parametrize("text", ["2025-09-18T04:37:41Z", "2025-09-18 04:37:41 UTC", "2025-09-18 04:37:41 GMT"])
def test_utc_names(text):
    value, _ = parse_date(text, TOKYO)
    assert_tokyo(value, 2025, 9, 18, 13, 37, 41)


def test_fractional_seconds_are_kept():
    value, _ = parse_date("2025-09-18 04:37:41.25 +0000", TOKYO)
    assert value.microsecond == 250000
    assert value.second == 41


# ---------------------------------------------------------------- parse_date: refused shapes

def test_nonexistent_day_is_a_date_error():
    with pytest.raises(DateError, match="does not exist"):
        parse_date("2025-02-30", TOKYO)
    with pytest.raises(DateError):
        parse_date("2025-02-30 10:00:00 +0900", TOKYO)


def test_impossible_offset_is_a_date_error():
    with pytest.raises(DateError, match="offset"):
        parse_date("2025-09-18 04:37:41 +2500", TOKYO)
    with pytest.raises(DateError, match="offset"):
        parse_date("2025-09-18 04:37:41 +0960", TOKYO)


@pytest.mark.parametrize("value", ["yesterday", "", "2025/09/18", "18-09-2025", "2025-09-18 garbage",
                                   12345, 3.5, None, ["2025-09-18"], {"y": 2025}])
def test_garbage_is_a_date_error(value):
    with pytest.raises(DateError):
        parse_date(value, TOKYO)


def test_date_error_is_a_value_error():
    # Callers catching ValueError keep working.
    assert issubclass(DateError, ValueError)


def test_stray_year_is_read_with_a_warning():
    # Seen in jekyll/docs/_posts/2023-01-29-jekyll-3-9-3-released.markdown
    value, warning = parse_date("2023-01-29 18:30:22 2023 -0800", TOKYO)
    assert value.astimezone(UTC) == dt.datetime(2023, 1, 30, 2, 30, 22, tzinfo=UTC)
    assert_tokyo(value, 2023, 1, 30, 11, 30, 22)
    assert warning is not None
    assert "2023" in warning and "stray" in warning


@pytest.mark.parametrize("text", ["9999-12-31 23:00:00 -1200", "0001-01-01 00:00:00 +1400"])
def test_out_of_range_instant_is_a_date_error(text):
    with pytest.raises(DateError):
        parse_date(text, TOKYO)


# ---------------------------------------------------------------- filename_date

def test_filename_with_one_digit_month_and_day():
    day, slug = filename_date("2019-1-7-my-post", TOKYO)
    assert_tokyo(day, 2019, 1, 7, 0, 0, 0)
    assert slug == "my-post"


def test_filename_slug_keeps_later_dashes_and_dates():
    day, slug = filename_date("2025-09-18-2025-review", TOKYO)
    assert day.date() == dt.date(2025, 9, 18)
    assert slug == "2025-review"


@pytest.mark.parametrize("stem", ["about", "my-post", "2019-01-07", "2019-13-01-bad-month", "2025-02-30-no-such-day"])
def test_undated_filename(stem):
    assert filename_date(stem, TOKYO) == (None, stem)


# ---------------------------------------------------------------- properties

def _format(aware: dt.datetime) -> str:
    minutes = int(aware.utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    return f"{aware:%Y-%m-%d %H:%M:%S} {sign}{hh:02d}{mm:02d}"


@settings(database=None, deadline=None)
@given(
    naive=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31, 23, 59, 59)),
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_round_trip_any_instant_any_offset(naive, offset_minutes):
    aware = naive.replace(microsecond=0, tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))
    text = _format(aware)
    value, warning = parse_date(text, TOKYO)
    assert warning is None
    assert value.astimezone(UTC) == aware.astimezone(UTC)
    assert value.tzinfo == TOKYO


@settings(database=None, deadline=None)
@given(st.text())
def test_arbitrary_text_only_ever_raises_date_error(text):
    try:
        value, _ = parse_date(text, TOKYO)
    except DateError:
        return
    assert value.tzinfo is not None

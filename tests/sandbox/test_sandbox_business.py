"""The sandbox's business time: holidays on the dates their names say, and precomputed
`businessTime` values counted in the default schedule's hours, time zone and holidays."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from kustomer_sandbox import serve
from kustomer_sandbox.business import BusinessHours
from kustomer_sandbox.timefmt import parse_iso

WEEKDAYS_9_TO_5 = {str(d): [[540, 1020]] for d in range(1, 6)}


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def named_for(name: str, day: date) -> bool:
    """Hand-written calendar rules, independent of the sandbox's."""
    rules = {
        "New Year's Day": (day.month, day.day) == (1, 1),
        "Independence Day": (day.month, day.day) == (7, 4),
        "Christmas": (day.month, day.day) == (12, 24),
        "Memorial Day": day.month == 5 and day.weekday() == 0 and day.day >= 25,
        "Labor Day": day.month == 9 and day.weekday() == 0 and day.day <= 7,
        "Thanksgiving": day.month == 11 and day.weekday() == 3 and 22 <= day.day <= 28,
    }
    return rules[name]


def test_business_hours_hand_worked() -> None:
    ny = "America/New_York"
    hours = BusinessHours(WEEKDAYS_9_TO_5, ny, [])
    # Friday 16:00 to Monday 10:00 New York time (EST, UTC-5): 1 h + 1 h
    assert hours.ms(ms("2026-01-16T21:00:00+00:00"), ms("2026-01-19T15:00:00+00:00")) == 7_200_000
    # over the change to daylight saving time (Sunday 8 March 2026): Friday 12:00 EST to Monday
    # 09:30 EDT (13:30 UTC) is 5 h + 30 min
    assert hours.ms(ms("2026-03-06T17:00:00+00:00"), ms("2026-03-09T13:30:00+00:00")) == 19_800_000
    # under a minute, inside hours; a span wholly at night; an empty span
    assert hours.ms(ms("2026-03-03T15:00:00+00:00"), ms("2026-03-03T15:00:45+00:00")) == 45_000
    assert hours.ms(ms("2026-03-04T23:00:00+00:00"), ms("2026-03-05T13:00:00+00:00")) == 0
    assert hours.ms(5, 5) == 0
    # Christmas Day 2026 (a Friday) closed: Thursday 16:00 to Monday 09:30 is 1 h + 30 min
    christmas = (ms("2026-12-25T05:00:00+00:00"), ms("2026-12-26T05:00:00+00:00"))
    closed = BusinessHours(WEEKDAYS_9_TO_5, ny, [christmas])
    span = (ms("2026-12-24T21:00:00+00:00"), ms("2026-12-28T14:30:00+00:00"))
    assert closed.ms(*span) == 5_400_000
    assert hours.ms(*span) == 5_400_000 + 8 * 3_600_000


def test_holidays_fall_on_their_dates_and_precomputed_times_follow_the_schedule() -> None:
    with serve(seed=11, scale=40) as sb:
        extras = sb.control.extras
        schedules = list(sb.control.records("schedules"))
        seen = 0
        for schedule in schedules:
            zone = ZoneInfo(schedule["attributes"].get("timezone") or "UTC")
            for holiday in extras.holidays(schedule["id"]):
                a = holiday["attributes"]
                start = parse_iso(a["startDate"]) / 1000
                local = datetime.fromtimestamp(start, timezone.utc).astimezone(zone)
                assert (local.hour, local.minute) == (0, 0), a
                assert named_for(a["name"], local.date()), a
                seen += 1
        assert seen >= 3
        default = next(s for s in schedules if s["attributes"].get("default"))
        a = default["attributes"]
        closed = [
            (parse_iso(h["attributes"]["startDate"]), parse_iso(h["attributes"]["endDate"]))
            for h in extras.holidays(default["id"])
            if h["attributes"]["enabled"]
        ]
        hours = BusinessHours(a["hours"], a["timezone"], closed)
        compared = 0
        for conversation in sb.control.records("conversations"):
            c = conversation["attributes"]
            created = parse_iso(c["createdAt"])
            for key, end in (("firstResponse", "sentAt"), ("firstDone", "createdAt")):
                metric = c.get(key)
                if not metric or metric.get("businessTime") is None:
                    continue
                assert metric["businessTime"] == hours.ms(created, parse_iso(metric[end])), key
                assert metric["businessTime"] <= metric["time"]
                compared += 1
        assert compared > 20

"""The one time format of the answer log, and the helpers that make and read it.

Every stored time is UTC ISO 8601 with milliseconds and a ``Z`` ("2025-05-11T08:00:00.000Z"):
one fixed width, so SQLite compares them correctly as text. Cut-offs for filters and purges
go through ``timestamp`` too, never through a bare ``isoformat()`` (microseconds would make
the text comparison wrong at the boundary).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def timestamp(when: datetime | None = None) -> str:
    """``when`` (default: now) in the log's format; a naive datetime is taken as UTC."""
    when = when or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return timestamp()


def ago(delta: timedelta) -> str:
    """The timestamp ``delta`` before now, e.g. the cut-off of "the last 7 days"."""
    return timestamp(datetime.now(UTC) - delta)


def parse_time(text: str) -> str:
    """A timestamp from '30d' / '12h' (that long ago), '2025-05-11' or a full ISO time."""
    match = _DURATION.match(text)
    if match:
        try:
            return ago(timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
        except OverflowError:
            raise ValueError(
                f"{text.strip()} reaches back before the year 1: give a shorter period"
            ) from None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use e.g. 30d, 12h, 2025-05-11 or 2025-05-11T08:00)"
        ) from None
    return timestamp(when)


def minute(stamp: str) -> str:
    """A stored timestamp as people scan it in a list: "2025-05-11 08:00"."""
    return stamp[:16].replace("T", " ")


def second(stamp: str) -> str:
    """A stored timestamp to the second, for a terminal table: "2025-05-11 08:00:00"."""
    return stamp[:19].replace("T", " ")

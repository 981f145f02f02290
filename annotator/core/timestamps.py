"""Created/modified times: read as times, compared as times, never as text.

Annotator writes ISO 8601 UTC strings (``utc_now``), but files from other tools carry any
string. Compared as text, ``"not a date"`` is later than every real time and an annotation
holding it could never be updated again; so imports refuse what :func:`parse_timestamp`
cannot read, and every "which is newer" question goes through :func:`later_of` or
:func:`is_later`, which also rank an unreadable time already stored as the oldest.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: Where an unreadable stored time ranks: before every real one, so a real time replaces it.
OLDEST = datetime.min.replace(tzinfo=UTC)


def parse_timestamp(value: str) -> datetime:
    """``value`` as an aware UTC datetime; raise ValueError unless it is ISO 8601.

    A time without a zone is taken as UTC (what Annotator writes).
    """
    if not isinstance(value, str):
        raise ValueError(f"should be an ISO 8601 time as text, not {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value[:40]!r} is not an ISO 8601 time (such as 2026-01-31T09:30:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last representable year
        raise ValueError(f"{value[:40]!r} is outside the years 1 to 9999") from None


def normalize_timestamp(value: str) -> str:
    """``value`` written as Annotator writes times (UTC, milliseconds, ``Z``), so stored
    times also sort correctly as text; raise ValueError unless it is ISO 8601."""
    parsed = parse_timestamp(value)
    return parsed.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def timestamp_key(value: str | None) -> datetime:
    """A sort key for a stored time: the time itself, or :data:`OLDEST` if unreadable."""
    if value is None:
        return OLDEST
    try:
        return parse_timestamp(value)
    except ValueError:
        return OLDEST


def is_later(first: str | None, second: str | None) -> bool:
    """True if ``first`` is a strictly later time than ``second`` (junk counts as oldest)."""
    return timestamp_key(first) > timestamp_key(second)


def later_of(first: str, second: str) -> str:
    """The later of two times as given (``first`` on a tie); junk loses to any real time."""
    return second if is_later(second, first) else first

"""Calendars read as a calendar program reads them: by the icalendar package, strictly."""

import email.message

import icalendar


def parse_strictly(data: bytes) -> icalendar.Calendar:
    """The file parsed, failing on anything the parser had to put up with: lines not ended by
    CRLF or longer than 75 octets (RFC 5545 3.1), and any property it could not read."""
    lines = data.split(b"\r\n")
    assert lines[-1] == b"", "ends with CRLF"
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "CRLF line endings"
    assert all(len(line) <= 75 for line in lines), "folded at 75 octets"
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    assert calendar["VERSION"] == "2.0" and calendar.get("PRODID")
    for entry in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert required in entry, required
    return calendar


def calendar_part(message) -> email.message.Message:
    """The e-mail's one text/calendar part (a Django message or one the SMTP sink received)."""
    if hasattr(message, "message"):
        message = message.message()
    (part,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    return part


def calendar_in(message) -> tuple[email.message.Message, icalendar.Calendar]:
    part = calendar_part(message)
    return part, parse_strictly(part.get_payload(decode=True))


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    (entry,) = calendar.walk("VEVENT")
    return entry

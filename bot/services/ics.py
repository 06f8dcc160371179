"""Calendar files (.ics) of events, so a registered person can add the event to their calendar."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.texts import events as t
from bot.texts.format import file_stem
from models import Event, EventFormat
from models.base import utcnow

UID_DOMAIN = "metodbot"


def event_ics(event: Event, *, with_link: bool) -> bytes:
    """An iCalendar file with one VEVENT in UTC; the join link only for registered people."""
    # Imported when a file is made, not at the bot's start.
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    calendar = Calendar()
    calendar.add("prodid", t.ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    item = IcsEvent()
    item.add("uid", f"event-{event.id}@{UID_DOMAIN}")
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", f"{t.KIND_LABELS[event.kind]}: {event.title}")
    description = [event.description] if event.description else []
    if with_link and event.join_link:
        description.append(t.ICS_LINK.format(link=event.join_link))
        item.add("url", event.join_link)
    if description:
        item.add("description", "\n\n".join(description))
    location = event.place if event.format != EventFormat.ONLINE else t.PLACE_ONLINE
    if location:
        item.add("location", location)
    calendar.add_component(item)
    return bytes(calendar.to_ical())


def ics_filename(event: Event, tz: ZoneInfo) -> str:
    """«Цифровые_инструменты_учителя_2026-12-05.ics»: the title and the local date."""
    return f"{file_stem(event.title, event.starts_at, tz)}.ics"

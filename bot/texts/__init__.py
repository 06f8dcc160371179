"""Every text the bot shows, in Russian. One module per journey; helpers for plurals and dates.

Handlers and services take their wording from here, never from string literals of their own.
"""

from bot.texts.format import (
    agree,
    count_people,
    file_stem,
    fmt_date,
    fmt_datetime,
    fmt_offsets,
    fmt_time,
    inside_quotes,
    kind_and_title,
    plural,
    quantity,
    quoted,
    share,
)

__all__ = [
    "agree",
    "count_people",
    "file_stem",
    "fmt_date",
    "fmt_datetime",
    "fmt_offsets",
    "fmt_time",
    "inside_quotes",
    "kind_and_title",
    "plural",
    "quantity",
    "quoted",
    "share",
]

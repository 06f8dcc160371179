"""Every text the bot shows, in Russian. One module per journey; helpers for plurals and dates.

Handlers and services take their wording from here, never from string literals of their own.
"""

from bot.texts.format import fmt_date, fmt_datetime, fmt_offsets, fmt_time, plural, quantity

__all__ = ["fmt_date", "fmt_datetime", "fmt_offsets", "fmt_time", "plural", "quantity"]

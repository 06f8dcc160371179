"""Picking a route's events deficit by deficit (pure: no database)."""

from __future__ import annotations

from datetime import timedelta

from bot.services import routes, scoring
from models import Event
from models.base import utcnow


def _area(code: str, topic: str, score: float) -> scoring.AreaScore:
    return scoring.AreaScore(code, code, code, score, 3.0, (topic,))


def test_each_deficit_gets_its_events_and_none_crowds_out_the_others() -> None:
    now = utcnow()
    many = [
        Event(
            id=n,
            title=f"Качество {n}",
            topics=["quality_management"],
            starts_at=now + timedelta(days=n),
        )
        for n in range(1, 13)
    ]
    late = Event(id=50, title="Гранты", topics=["finance"], starts_at=now + timedelta(days=50))
    weak = [_area("quality", "quality_management", 1.5), _area("finance", "finance", 2.0)]
    chosen = routes.pick_events([*many, late], weak)
    assert [e.id for e in chosen] == [1, 2, 3, 4, 5, 50]  # five per deficit, by date
    # An event on two deficits is chosen once and counts for both.
    both = Event(id=60, title="Оба", topics=["finance", "quality_management"], starts_at=now)
    assert [e.id for e in routes.pick_events([both, late], weak)] == [60, 50]
    assert len(routes.pick_events(many * 2, weak * 6)) <= routes.ROUTE_LIMIT

"""The hooks that the bot's journeys attach to the questionnaire engine."""

from __future__ import annotations

from bot.services import feedback, mentoring, routes
from bot.services.questionnaire import FormHooks


def default() -> FormHooks:
    """Diagnostics build the person's route (and may ask for a mentor); the feedback form is
    only for participants."""
    hooks = FormHooks()
    hooks.add_submit("diagnostic", routes.on_diagnostic_submitted)
    hooks.add_submit("teacher_deficits", mentoring.on_teacher_diagnostic_submitted)
    hooks.add_start_check(feedback.FORM_CODE, feedback.refusal_to_start)
    return hooks

"""Survei Kepuasan Masyarakat: one answer per finished ticket, from its status page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..clock import Clock
from ..db import Database
from ..domain import ikm
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..models import Service, SurveyResponse, Ticket

SOURCES = ("status_page", "counter_tablet")
MAX_COMMENT = 2000


def elements() -> list[dict[str, Any]]:
    """The nine SKM elements as the regulation words them (the catalogues' ``skm``
    section): name, question and each element's own four answers (scores 1..4), in
    Indonesian and English (other languages: the page reads its catalogue)."""
    w_id, w_en = ikm.wording("id"), ikm.wording("en")
    return [{"code": c, "name": w_id[f"element.{c}"], "name_en": w_en[f"element.{c}"],
             "question": w_id[f"question.{c}"], "question_en": w_en[f"question.{c}"],
             "answers": list(w_id[f"answers.{c}"]), "answers_en": list(w_en[f"answers.{c}"])}
            for c in ikm.ELEMENT_CODES]


def profile_fields() -> list[dict[str, Any]]:
    """The respondent's profile fields (all optional) and their choices."""
    w_id, w_en = ikm.wording("id"), ikm.wording("en")
    return [{"field": key, "name": w_id[f"profile.{key}"], "name_en": w_en[f"profile.{key}"],
             "choices": [{"code": c, "label": w_id[f"profile.{key}.{c}"],
                          "label_en": w_en[f"profile.{key}.{c}"]} for c in codes]}
            for key, codes in ikm.PROFILE.items()]


class SurveyService:
    """Takes SKM answers; the IKM itself is computed by ReportService."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    @staticmethod
    def _ticket(s: Any, token: str) -> Ticket:
        ticket = s.scalars(select(Ticket).where(Ticket.token == token)).first()
        if ticket is None:
            raise NotFound("No ticket has this token.", "ticket_not_found")
        return ticket

    def state(self, token: str) -> dict[str, Any]:
        """Whether the ticket's survey can be answered now, and the nine elements."""
        with self.db.read() as s:
            ticket = self._ticket(s, token)
            answered = s.scalars(select(SurveyResponse.id).where(
                SurveyResponse.ticket_id == ticket.id)).first() is not None
            return {"ticket_status": ticket.status, "answered": answered,
                    "open": ticket.status == "done" and not answered,
                    "elements": elements(), "profile": profile_fields()}

    def submit(self, token: str, scores: object, comment: str = "",
               tablet_of: int | None = None, respondent: object = None) -> dict[str, Any]:
        """Record the answer for a finished ticket; 409 when not done or already answered.

        The channel (``source``) is the server's to say, never the client's: an answer sent
        by the rating tablet registered to the counter that finished the ticket
        (``tablet_of``, that counter's id) is ``counter_tablet``, any other ``status_page``.
        """
        try:
            checked = ikm.check_scores(scores)
        except ikm.InvalidScores as exc:
            raise ValidationFailed(str(exc), "invalid_scores") from None
        try:
            profile = ikm.check_profile(respondent)
        except ikm.InvalidProfile as exc:
            raise ValidationFailed(str(exc), "invalid_respondent") from None
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise ValidationFailed(f"The comment is longer than {MAX_COMMENT} characters.",
                                   "comment_too_long")
        now = self.clock.now()
        try:
            with self.db.write() as s:
                ticket = self._ticket(s, token)
                if ticket.status != "done":
                    raise Conflict("The survey opens when the service is finished.",
                                   "ticket_not_done")
                exists = s.scalars(select(SurveyResponse.id).where(
                    SurveyResponse.ticket_id == ticket.id)).first()
                if exists is not None:
                    raise Conflict("This ticket's survey has already been answered.",
                                   "survey_already_answered")
                source = ("counter_tablet" if tablet_of is not None
                          and ticket.counter_id == tablet_of else "status_page")
                agency_id = s.scalars(select(Service.agency_id).where(
                    Service.id == ticket.service_id)).one()
                row = SurveyResponse(ticket_id=ticket.id, service_id=ticket.service_id,
                                     agency_id=agency_id, scores=checked, comment=comment,
                                     submitted_at=now, source=source, respondent=profile)
                s.add(row)
                s.flush()
                answer = {"id": row.id, "ticket_id": ticket.id, "service_id": row.service_id,
                          "scores": checked, "comment": comment, "source": source,
                          "respondent": profile,
                          "submitted_at": now.isoformat()}
        except IntegrityError:
            # Two answers for one ticket at the same moment: the unique ticket_id decides.
            raise Conflict("This ticket's survey has already been answered.",
                           "survey_already_answered") from None
        return {"survey": answer}

"""Confirmed leadership: a head's (deputy's) claim and a methodologist's claim wait for a decision.

A head sees their organisation only once a methodologist has confirmed them for it
(`Person.head_org_id`); a change of organisation or role drops the confirmation. Someone who
registered as «сотрудник методической службы» becomes a methodologist when an admin confirms
them; until then their role counts nowhere (neither teacher nor staff).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import is_postgres
from bot.services import audit, outbox
from bot.texts import heads as t
from bot.texts import inside_quotes
from models import NotificationKind, Organisation, Person, Role, RoleRequest, RoleRequestStatus
from models.base import utcnow
from models.person import HEAD_ROLES

#: Roles whose claim is confirmed by someone else.
CLAIMED_ROLES = frozenset({Role.HEAD, Role.DEPUTY, Role.METHODICAL_STAFF})
_OPEN = (RoleRequestStatus.PENDING, RoleRequestStatus.CONFIRMED)


async def request_if_needed(session: AsyncSession, person: Person) -> RoleRequest | None:
    """A pending request for the person's claimed role, unless one is already open for it."""
    if person.role not in CLAIMED_ROLES or person.deleted_at is not None:
        return None
    existing = await session.execute(
        select(RoleRequest).where(
            RoleRequest.person_id == person.id,
            RoleRequest.status.in_(_OPEN),
            RoleRequest.role == person.role,
            RoleRequest.organisation_id == person.organisation_id
            if person.organisation_id is not None
            else RoleRequest.organisation_id.is_(None),
        )
    )
    if existing.scalars().first() is not None:
        return None
    request = RoleRequest(
        person_id=person.id,
        role=person.role,
        organisation_id=person.organisation_id,
        status=RoleRequestStatus.PENDING,
        created_at=utcnow(),
    )
    session.add(request)
    await session.flush()
    return request


async def profile_changed(
    session: AsyncSession, person: Person, old_role: Role, old_org_id: int | None
) -> RoleRequest | None:
    """After /profile changed the role or the organisation: drop what no longer holds, ask anew.

    Returns the new request, if the new role needs one."""
    if person.role == old_role and person.organisation_id == old_org_id:
        return None
    had_confirmation = person.head_org_id is not None
    await drop(session, person)
    if had_confirmation:
        audit.record(
            session,
            person,
            "head.drop",
            subject=person,
            object_kind="organisation",
            object_id=old_org_id,
            reason="profile_changed",
        )
    return await request_if_needed(session, person)


async def drop(session: AsyncSession, person: Person) -> None:
    """Close the person's open requests and confirmation (also when they delete their data)."""
    await session.execute(
        update(RoleRequest)
        .where(RoleRequest.person_id == person.id, RoleRequest.status.in_(_OPEN))
        .values(status=RoleRequestStatus.DROPPED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    person.head_org_id = None
    await session.flush()


@dataclass(frozen=True)
class RequestCard:
    request: RoleRequest
    person: Person
    organisation: Organisation | None
    # Another head (deputy) already confirmed for the same organisation, as a hint.
    confirmed_colleagues: int


def visible_roles(is_admin: bool) -> list[Role]:
    """Methodologists decide on heads and deputies; admins also on methodologists."""
    roles = [Role.HEAD, Role.DEPUTY]
    return [*roles, Role.METHODICAL_STAFF] if is_admin else roles


async def pending(
    session: AsyncSession, is_admin: bool, page: int, per_page: int
) -> tuple[list[tuple[RoleRequest, Person]], int]:
    """Pending requests this reviewer may decide, oldest first."""
    where = (
        RoleRequest.status == RoleRequestStatus.PENDING,
        RoleRequest.role.in_(visible_roles(is_admin)),
    )
    total = (await session.execute(select(func.count(RoleRequest.id)).where(*where))).scalar_one()
    result = await session.execute(
        select(RoleRequest, Person)
        .join(Person, Person.id == RoleRequest.person_id)
        .where(*where)
        .order_by(RoleRequest.created_at, RoleRequest.id)
        .offset(page * per_page)
        .limit(per_page)
    )
    return [(r, p) for r, p in result.unique().all()], int(total)


async def card(session: AsyncSession, request_id: int, is_admin: bool) -> RequestCard | None:
    """A request this reviewer may see, with the person and the organisation as they are now."""
    request = await session.get(RoleRequest, request_id)
    if request is None or request.role not in visible_roles(is_admin):
        return None
    person = await session.get(Person, request.person_id)
    if person is None:
        return None
    organisation = (
        await session.get(Organisation, request.organisation_id)
        if request.organisation_id
        else None
    )
    colleagues = 0
    if request.organisation_id is not None:
        colleagues = (
            await session.execute(
                select(func.count(Person.id)).where(
                    Person.head_org_id == request.organisation_id,
                    Person.organisation_id == request.organisation_id,
                    Person.role.in_(HEAD_ROLES),
                    Person.id != person.id,
                )
            )
        ).scalar_one()
    return RequestCard(request, person, organisation, int(colleagues))


def _still_holds(request: RoleRequest, person: Person) -> bool:
    return (
        person.deleted_at is None
        and person.role == request.role
        and person.organisation_id == request.organisation_id
    )


async def decide(
    session: AsyncSession, request_id: int, actor: Person | None, confirm: bool, is_admin: bool
) -> str:
    """Confirm or reject a pending request; returns the text for the reviewer.

    A request whose person has since changed role or organisation is dropped instead; one
    decided by someone else meanwhile is left as it is.
    """
    # Two reviewers pressing at once: the second waits, then finds it decided.
    if is_postgres(session):
        await session.execute(
            select(RoleRequest.id).where(RoleRequest.id == request_id).with_for_update()
        )
    found = await card(session, request_id, is_admin)
    if found is None:
        return t.REQUEST_GONE
    request, person = found.request, found.person
    name = escape(person.full_name or t.ANONYMOUS)
    if request.status != RoleRequestStatus.PENDING:
        return t.ALREADY_DECIDED.format(name=name, status=t.STATUS[request.status.value])
    if not _still_holds(request, person):
        request.status = RoleRequestStatus.DROPPED
        request.decided_at = utcnow()
        return t.REQUEST_OUTDATED.format(name=name)
    request.status = RoleRequestStatus.CONFIRMED if confirm else RoleRequestStatus.REJECTED
    request.decided_at = utcnow()
    request.decided_by_id = actor.id if actor else None
    org_name = escape(found.organisation.name) if found.organisation else t.NO_ORGANISATION
    # Inside the texts' own «…» the name's quotes become „…“.
    quoted_org = escape(inside_quotes(found.organisation.name)) if found.organisation else org_name
    if request.role == Role.METHODICAL_STAFF:
        if confirm:
            person.role = Role.METHODOLOGIST
        action = "role.grant" if confirm else "role.reject"
        notice = t.NOTICE_METHODIST_CONFIRMED if confirm else t.NOTICE_METHODIST_REJECTED
        reply = t.METHODIST_CONFIRMED if confirm else t.METHODIST_REJECTED
    else:
        if confirm:
            person.head_org_id = request.organisation_id
        action = "head.confirm" if confirm else "head.reject"
        notice = t.NOTICE_HEAD_CONFIRMED if confirm else t.NOTICE_HEAD_REJECTED
        reply = t.HEAD_CONFIRMED if confirm else t.HEAD_REJECTED
    audit.record(
        session,
        actor,
        action,
        subject=person,
        object_kind="organisation",
        object_id=request.organisation_id,
        role=request.role.value,
    )
    buttons = (
        [[outbox.button(t.MY_ORG_BUTTON, outbox.Target.MY_ORG, 0)]]
        if confirm and request.role in HEAD_ROLES
        else []
    )
    await outbox.enqueue(
        session,
        kind=NotificationKind.MESSAGE,
        person_id=person.id,
        text=notice.format(organisation=quoted_org),
        payload={"buttons": buttons} if buttons else None,
        dedup_key=f"role-request:{request.id}",
    )
    await session.flush()
    return reply.format(name=name, organisation=quoted_org)


async def confirmed_heads(
    session: AsyncSession, page: int, per_page: int
) -> tuple[list[Person], int]:
    """Heads and deputies whose confirmation holds, by name."""
    where = (
        Person.head_org_id.is_not(None),
        Person.head_org_id == Person.organisation_id,
        Person.role.in_(HEAD_ROLES),
        Person.deleted_at.is_(None),
    )
    total = (await session.execute(select(func.count(Person.id)).where(*where))).scalar_one()
    result = await session.execute(
        select(Person)
        .where(*where)
        .order_by(Person.full_name, Person.id)
        .offset(page * per_page)
        .limit(per_page)
    )
    return list(result.scalars().unique()), int(total)


async def revoke(session: AsyncSession, person_id: int, actor: Person | None) -> str:
    """Take a head's confirmation back; they are told, and may ask again by changing the role."""
    person = await session.get(Person, person_id)
    if person is None or person.confirmed_org_id is None:
        return t.NOT_CONFIRMED
    org_id = person.head_org_id
    org = await session.get(Organisation, org_id) if org_id else None
    await session.execute(
        update(RoleRequest)
        .where(
            RoleRequest.person_id == person.id,
            RoleRequest.status == RoleRequestStatus.CONFIRMED,
        )
        .values(status=RoleRequestStatus.REVOKED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    person.head_org_id = None
    audit.record(
        session, actor, "head.revoke", subject=person, object_kind="organisation", object_id=org_id
    )
    org_name = escape(org.name) if org else t.NO_ORGANISATION
    await outbox.enqueue(
        session,
        kind=NotificationKind.MESSAGE,
        person_id=person.id,
        text=t.NOTICE_HEAD_REVOKED.format(
            organisation=escape(inside_quotes(org.name)) if org else t.NO_ORGANISATION
        ),
    )
    await session.flush()
    return t.REVOKED.format(name=escape(person.full_name or t.ANONYMOUS), organisation=org_name)

"""Forms: loading YAML files into versioned rows, activating versions, finding the right form.

A version is identified by the hash of its file: loading the same file again changes nothing, a
changed file becomes the next version and the active one. Versions are never edited, so a response
started on an old version keeps working after a new one arrives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import FORMS_DIR
from bot.services.form_schema import MANAGEMENT_RESERVE, FormDef, FormFileError, parse_form
from bot.texts import forms as t
from models import Form, Person

MAX_FORM_BYTES = 256 * 1024
_CACHE: dict[str, FormDef] = {}


@dataclass(frozen=True)
class LoadResult:
    form: Form
    created: bool


def content_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def definition(form: Form) -> FormDef:
    """The validated definition of a stored version.

    Cached by content hash rather than id: a version never changes, and the same content is the
    same definition in any database (tests open many).
    """
    key = f"{form.code}:{form.content_hash}"
    cached = _CACHE.get(key)
    if cached is None:
        cached = FormDef.model_validate(form.definition)
        _CACHE[key] = cached
    return cached


def decode_upload(name: str, content: bytes) -> str:
    """The text of an uploaded form file; raises FormFileError when it is not a YAML text."""
    if not name.lower().endswith((".yaml", ".yml")):
        raise FormFileError(f"{name}: {t.UPLOAD_NOT_YAML}")
    if len(content) > MAX_FORM_BYTES:
        raise FormFileError(f"{name}: {t.UPLOAD_TOO_BIG.format(limit=MAX_FORM_BYTES // 1024)}")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormFileError(f"{name}: {t.UPLOAD_NOT_UTF8}") from None


async def find_version(session: AsyncSession, code: str, source: str) -> Form | None:
    result = await session.execute(
        select(Form).where(Form.code == code, Form.content_hash == content_hash(source))
    )
    return result.scalar_one_or_none()


async def add_version(
    session: AsyncSession,
    form_def: FormDef,
    source: str,
    *,
    source_name: str = "",
    activate: bool = True,
    created_by_id: int | None = None,
) -> LoadResult:
    """Store the form as a new version (or return the stored one with the same content)."""
    existing = await find_version(session, form_def.code, source)
    if existing is not None:
        return LoadResult(existing, created=False)
    last = await session.scalar(select(func.max(Form.version)).where(Form.code == form_def.code))
    form = Form(
        code=form_def.code,
        version=(last or 0) + 1,
        content_hash=content_hash(source),
        title=form_def.title,
        purpose=form_def.purpose,
        definition=form_def.model_dump(mode="json"),
        source=source,
        source_name=source_name,
        is_active=False,
        created_by_id=created_by_id,
    )
    session.add(form)
    await session.flush()
    if activate:
        await activate_version(session, form)
    return LoadResult(form, created=True)


async def activate_version(session: AsyncSession, form: Form) -> None:
    """Make this version the one new responses start on."""
    await session.execute(
        update(Form)
        .where(Form.code == form.code, Form.id != form.id)
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    )
    form.is_active = True
    await session.flush()


def forms_dir() -> Path:
    """The folder of the repository's form files (a function so tests can point elsewhere)."""
    return FORMS_DIR


def read_files(folder: Path = FORMS_DIR) -> list[tuple[str, str, FormDef]]:
    """Parse every *.yaml of the folder; raises FormFileError for the first bad file."""
    parsed = []
    codes: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        name = f"{folder.name}/{path.name}"
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FormFileError(f"{name}: {t.UPLOAD_NOT_UTF8} ({exc.__class__.__name__})") from None
        form_def = parse_form(name, source)
        if form_def.code in codes:
            raise FormFileError(f"{name}: {t.DUPLICATE_CODE.format(other=codes[form_def.code])}")
        codes[form_def.code] = name
        parsed.append((name, source, form_def))
    return parsed


async def load_all(session: AsyncSession, folder: Path = FORMS_DIR) -> list[LoadResult]:
    """Load the repository's form files (start-up and `migrate`).

    A file whose content is already stored changes nothing — not even which version is active, so
    a version a methodologist uploaded in the chat is not undone by a restart.
    """
    results = []
    for name, source, form_def in read_files(folder):
        try:
            # Two instances starting at once may insert the same version: the loser finds it.
            async with session.begin_nested():
                results.append(await add_version(session, form_def, source, source_name=name))
        except IntegrityError:
            stored = await find_version(session, form_def.code, source)
            if stored is None:
                raise
            results.append(LoadResult(stored, created=False))
    return results


async def active(session: AsyncSession, code: str) -> Form | None:
    result = await session.execute(select(Form).where(Form.code == code, Form.is_active))
    return result.scalar_one_or_none()


async def list_active(session: AsyncSession, purpose: str | None = None) -> list[Form]:
    stmt = select(Form).where(Form.is_active).order_by(Form.title)
    if purpose is not None:
        stmt = stmt.where(Form.purpose == purpose)
    return list((await session.execute(stmt)).scalars())


async def get(session: AsyncSession, form_id: int) -> Form | None:
    return await session.get(Form, form_id)


def audience_of(person: Person) -> set[str]:
    """The audience values a person belongs to (their role, and the reserve flag)."""
    values = {person.role.value}
    if person.is_management_reserve:
        values.add(MANAGEMENT_RESERVE)
    return values


def is_meant_for(form_def: FormDef, person: Person) -> bool:
    return not form_def.audience or bool(audience_of(person) & set(form_def.audience))


async def diagnostics_for(session: AsyncSession, person: Person) -> list[Form]:
    """The diagnostics meant for the person, the most specific first.

    The management reserve is named on purpose, so a teacher in the reserve gets the heads' card
    first (and the teachers' form after it); then forms naming the person's role; then forms
    for everyone.
    """
    candidates = [
        f for f in await list_active(session, "diagnostic") if is_meant_for(definition(f), person)
    ]

    def rank(form: Form) -> tuple[int, str]:
        audience = definition(form).audience
        if person.is_management_reserve and MANAGEMENT_RESERVE in audience:
            return (0, form.code)
        return (1 if person.role.value in audience else 2 if audience else 3, form.code)

    return sorted(candidates, key=rank)


async def diagnostic_for(session: AsyncSession, person: Person) -> Form | None:
    """The diagnostic meant first of all for the person (see diagnostics_for)."""
    found = await diagnostics_for(session, person)
    return found[0] if found else None


__all__ = [
    "FormFileError",
    "LoadResult",
    "activate_version",
    "active",
    "add_version",
    "definition",
    "diagnostic_for",
    "load_all",
    "parse_form",
]


async def load_into(database_url: str, folder: Path | None = None) -> list[LoadResult]:
    """Load the form files into the database at `database_url` (start-up and `migrate`).

    Raises FormFileError naming the file for a malformed one; nothing is loaded then.
    """
    from bot.db import create_engine, create_session_factory

    folder = folder or forms_dir()
    read_files(folder)  # fail before touching the database
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            return await load_all(session, folder)
    finally:
        await engine.dispose()

"""The sandbox without a browser: its web chat over HTTP and WebSocket against the real bot, the
time control, the personas, the busy port, and that production never loads it."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.commands import register_commands
from bot.config import Settings
from bot.emulator.model import MAX_TEXT
from bot.sandbox import clock, personas
from bot.sandbox.app import sandbox_settings, serve
from bot.sandbox.web import MAX_FRAME, Chat, render_html
from bot.services import outbox
from bot.texts import common as tc
from bot.texts import sandbox as ts
from models import Notification, NotificationKind, NotificationStatus, Person, Registration, Role
from models.base import utcnow
from tests.conftest import RunningBot
from tests.factories import make_person, seed_demo

TEACHER = personas.TEACHER_ID


def test_only_telegram_formatting_reaches_the_page() -> None:
    text = "Жирный <script>alert(1)</script> ссылка плохая & код 🙂 конец"
    at = text.index  # no character beyond the BMP before the last entity
    entities = [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": at("ссылка"), "length": 6, "url": "https://e.org/?a=1&b=2"},
        {"type": "text_link", "offset": at("плохая"), "length": 6, "url": "javascript:alert(1)"},
        {"type": "code", "offset": at("код"), "length": 3},
        {"type": "italic", "offset": at("🙂"), "length": 8},  # 🙂 is two UTF-16 units
        {"type": "mention_name", "offset": 0, "length": 3},
    ]
    html = render_html(text, entities)
    assert html.startswith("<b>Жирный</b> &lt;script&gt;alert(1)&lt;/script&gt; ")
    assert '<a href="https://e.org/?a=1&amp;b=2" target="_blank"' in html
    assert "javascript" not in html and "плохая" in html
    assert "<code>код</code>" in html
    assert "<i>🙂 конец</i>" in html
    nested = render_html(
        "цитата жирная",
        [
            {"type": "blockquote", "offset": 0, "length": 13},
            {"type": "bold", "offset": 7, "length": 6},
        ],
    )
    assert nested == "<blockquote>цитата <b>жирная</b></blockquote>"


@pytest.fixture
async def web(app: RunningBot) -> AsyncIterator[TestClient[Any, Any]]:
    """The web chat of the running bot's emulator, with the three personas in the database."""
    await seed_demo(app.sessions)
    async with app.sessions.begin() as session:
        await personas.seed(session, app.settings)
    chat = Chat(app.emu)
    await chat.load_newcomers(app.sessions)
    client: TestClient[Any, Any] = TestClient(TestServer(chat.app()))
    await client.start_server()
    yield client
    await client.close()


async def frames_until(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(ws.receive(), timeout=10)
        assert message.type == WSMsgType.TEXT, message
        frame: dict[str, Any] = json.loads(message.data)
        if frame["type"] == kind:
            return frame


async def test_chat_over_websocket_refuses_bad_frames_and_the_bot_goes_on(
    app: RunningBot, web: TestClient[Any, Any]
) -> None:
    ws = await web.ws_connect("/ws")
    ws_menu = await web.ws_connect("/ws")  # a second page, listening
    await ws.send_str("{not json")
    assert (await frames_until(ws, "error"))["text"] == ts.BAD_FRAME.format(reason=ts.NOT_JSON)
    await ws.send_json({"op": "text", "chat_id": 1, "text": "/start"})
    assert (await frames_until(ws, "error"))["text"] == ts.UNKNOWN_PERSONA
    await ws.send_json({"op": "text", "chat_id": TEACHER, "text": "я" * (MAX_TEXT + 1)})
    assert (await frames_until(ws, "error"))["text"] == ts.TOO_LONG.format(limit=MAX_TEXT)
    await ws.send_json({"op": "dance", "chat_id": TEACHER})
    assert "dance" in (await frames_until(ws, "error"))["text"]
    await ws.send_bytes(b"\x00\x01")
    assert ts.BINARY in (await frames_until(ws, "error"))["text"]
    assert not app.emu.history(TEACHER)  # nothing of it reached the bot

    await ws.send_json({"op": "text", "chat_id": TEACHER, "text": "/start"})
    mine = await frames_until(ws, "message")
    assert mine["message"]["from_bot"] is False and mine["message"]["html"] == "/start"
    reply = await frames_until(ws, "message")
    assert reply["chat_id"] == TEACHER and "Анна Сергеевна" in reply["message"]["html"]
    keyboard = await frames_until(ws, "keyboard")
    assert any(tc.MENU_EVENTS in label for row in keyboard["rows"] for label in row)

    # A forged button is refused; a real one goes to the bot.
    await ws.send_json({"op": "text", "chat_id": TEACHER, "text": tc.MENU_EVENTS})
    listing = await frames_until(ws, "message")
    while not listing["message"]["from_bot"] or not listing["message"]["buttons"]:
        listing = await frames_until(ws, "message")
    message_id = listing["message"]["id"]
    await ws.send_json({"op": "press", "chat_id": TEACHER, "message_id": message_id, "data": "x"})
    assert (await frames_until(ws, "error"))["text"] == ts.NO_BUTTON
    data = listing["message"]["buttons"][0][0]["data"]
    await ws.send_json({"op": "press", "chat_id": TEACHER, "message_id": message_id, "data": data})
    edited = await frames_until(ws, "message")
    assert edited["message"]["id"] == message_id and edited["message"]["edited"]

    # A frame beyond the limit closes the socket with 1009; a new one works and the history is
    # all there (what a reload does).
    await ws.send_str("x" * (MAX_FRAME + 1))
    closing = await asyncio.wait_for(ws.receive(), timeout=10)
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    assert ws.close_code == 1009
    history = await (await web.get(f"/api/chat/{TEACHER}")).json()
    assert [m["html"] for m in history["messages"]][:2] == ["/start", reply["message"]["html"]]
    assert history["keyboard"] == keyboard["rows"]

    # The command menu is the one the bot registered for the chat's scope.
    await register_commands(app.bot, frozenset({personas.METHODOLOGIST_ID}))
    assert (await frames_until(ws_menu, "commands")) == {"type": "commands"}
    menus = {
        chat_id: [
            c["command"] for c in (await (await web.get(f"/api/chat/{chat_id}")).json())["commands"]
        ]
        for chat_id in (TEACHER, personas.METHODOLOGIST_ID)
    }
    assert "admin" in menus[personas.METHODOLOGIST_ID] and "admin" not in menus[TEACHER]
    assert "start" in menus[TEACHER]
    ws = await web.ws_connect("/ws")
    await ws.send_json({"op": "text", "chat_id": TEACHER, "text": "/start"})
    await frames_until(ws, "message")
    assert "Анна Сергеевна" in (await frames_until(ws, "message"))["message"]["html"]
    await ws.close()
    await ws_menu.close()


async def test_newcomer_file_upload_and_download(
    app: RunningBot, web: TestClient[Any, Any]
) -> None:
    newcomer = await (await web.post("/api/people")).json()
    assert newcomer["id"] == personas.NEWCOMER_BASE
    assert (await (await web.post("/api/people")).json())["id"] == personas.NEWCOMER_BASE + 1
    state = await (await web.get("/api/state")).json()
    assert len(state["people"]) == 5 and state["texts"]["REWIND"] == ts.REWIND

    form = aiohttp.FormData()
    form.add_field("chat_id", str(personas.METHODOLOGIST_ID))
    form.add_field("file", b"\xef\xbb\xbf1;2\n", filename="calendar.csv", content_type="text/csv")
    assert (await web.post("/api/upload", data=form)).status == 200
    await asyncio.sleep(0)
    (sent,) = [m for m in app.emu.history(personas.METHODOLOGIST_ID) if m.document]
    assert sent.document.filename == "calendar.csv" and not sent.from_bot
    chat = await (await web.get(f"/api/chat/{personas.METHODOLOGIST_ID}")).json()
    url = chat["messages"][0]["file"]["url"]
    download = await web.get(url)
    assert await download.read() == b"\xef\xbb\xbf1;2\n"
    assert download.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")

    empty = aiohttp.FormData()
    empty.add_field("chat_id", str(TEACHER))
    response = await web.post("/api/upload", data=empty)
    assert response.status == 400 and (await response.json())["error"] == ts.NO_FILE
    assert (await web.get("/api/chat/12345")).status == 404
    assert (await web.get("/files/nope")).status == 404
    foreign = {"Origin": "https://evil.example"}
    assert (await web.post("/api/people", headers=foreign)).status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await web.ws_connect("/ws", headers=foreign)


async def test_personas_are_seeded_once_with_the_admin_id(app: RunningBot) -> None:
    await seed_demo(app.sessions)
    for _ in range(2):
        async with app.sessions.begin() as session:
            await personas.seed(session, app.settings)
    async with app.sessions() as session:
        people = {p.telegram_id: p for p in (await session.execute(select(Person))).scalars()}
        registered = (await session.execute(select(func.count(Registration.id)))).scalar_one()
    assert set(people) == {p.id for p in personas.PERSONAS}
    assert people[personas.HEAD_ID].role == Role.HEAD
    assert people[personas.HEAD_ID].organisation is not None
    assert people[personas.METHODOLOGIST_ID].role == Role.METHODOLOGIST
    assert registered == 4  # the first webinar and the past one, for the teacher and the head
    settings = sandbox_settings(app.settings, "http://127.0.0.1:1")
    assert settings.admin_ids == frozenset({personas.METHODOLOGIST_ID})
    assert settings.telegram_api_base == "http://127.0.0.1:1"
    assert settings.database_url.endswith("data/sandbox.db")
    assert settings.quiet_hours is None and settings.bot_token != app.settings.bot_token
    settings.require_token()


async def test_rewind_brings_the_next_notification_and_keeps_the_spacing(
    app: RunningBot,
) -> None:
    async with app.sessions.begin() as session:
        person = await make_person(session, 5001)
        now = utcnow()
        for hours in (30, 50):
            await outbox.enqueue(
                session,
                kind=NotificationKind.MESSAGE,
                person_id=person.id,
                due_at=now + timedelta(hours=hours),
                text=f"через {hours}",
            )
    result = await clock.rewind(app.sessions)
    assert result.moved == 2 and timedelta(hours=29) < result.span <= timedelta(hours=30)
    assert clock.describe(result) == ts.REWIND_DONE.format(span="1 день 6 часов")
    async with app.sessions() as session:
        due = sorted((await session.execute(select(Notification.due_at))).scalars())
    assert due[0] <= utcnow() and due[1] - due[0] == timedelta(hours=20)
    assert clock.describe(await clock.rewind(app.sessions)) == ts.REWIND_DUE
    async with app.sessions.begin() as session:
        for row in (await session.execute(select(Notification))).scalars():
            row.status = NotificationStatus.SENT
    assert clock.describe(await clock.rewind(app.sessions)) == ts.REWIND_NONE


async def test_a_busy_port_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = await serve(Settings(_env_file=None), port)  # type: ignore[call-arg]
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == ts.PORT_BUSY.format(port=port)


def test_production_never_imports_the_sandbox_or_the_emulator() -> None:
    probe = (
        "import sys, bot.__main__, bot.app, handlers; bot.__main__._parser(); "
        "bad = [m for m in sys.modules if m.startswith(('bot.sandbox', 'bot.emulator'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

"""The sandbox in a real browser: headless Chromium from Debian's packages driven by Selenium.

`python -m bot sandbox` runs as a subprocess in a temporary folder (its own data/sandbox.db);
the test clicks through the page as a newcomer and as the methodologist. Screenshots go to
artifacts/sandbox/ (or $ARTIFACTS_DIR/sandbox). The browser is installed by .ci/chromium.sh
(`make test` runs it); without it this test fails rather than skips.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from bot.sandbox import personas
from bot.texts import common as tc
from bot.texts import event_admin as ta
from bot.texts import events as te
from bot.texts import onboarding as to
from bot.texts import sandbox as ts
from models import Role

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "artifacts")) / "sandbox"
WEBINAR = "Функциональная грамотность"
WAIT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> Any:
    import json

    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    """The sandbox process on a free port; yields its address once the bot polls."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SANDBOX_"))}
    env["LOG_LEVEL"] = "WARNING"
    log = (tmp_path / "sandbox.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "sandbox.log").read_text()
            try:
                # Commands are registered right before polling starts.
                if get_json(f"{url}/api/chat/{personas.TEACHER_ID}")["commands"]:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "sandbox.log").read_text()
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    assert process.returncode == 0, (tmp_path / "sandbox.log").read_text()
    assert (tmp_path / "data" / "sandbox.db").is_file()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "Chromium is not installed: run `bash .ci/chromium.sh` (make test does)", pytrace=False
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1280,900")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """What a person does on the page, each step waiting for the bot like a person would."""

    def __init__(self, driver: Any) -> None:
        from selenium.webdriver.common.by import By

        self.driver = driver
        self.by = By
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots = 0

    def until(
        self, check: Callable[[], Any], what: str, timeout: float = WAIT, fail: bool = True
    ) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException

        deadline = time.monotonic() + timeout
        while True:
            try:
                result = check()
            except StaleElementReferenceException:
                result = None
            if result:
                return result
            if time.monotonic() > deadline:
                if not fail:
                    return None
                self.shot("timeout")
                raise AssertionError(f"timed out waiting for {what}; page:\n{self.chat_text()}")
            time.sleep(0.15)

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = ARTIFACTS / f"{self.shots:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def chat_text(self) -> str:
        return str(self.driver.find_element(self.by.ID, "messages").text)

    def bot_messages(self) -> list[Any]:
        return list(self.driver.find_elements(self.by.CSS_SELECTOR, "#messages .msg.bot"))

    def wait_text(self, text: str) -> None:
        self.until(lambda: text in self.chat_text(), repr(text))

    def press(self, label: str) -> None:
        """Click the newest inline button whose text contains `label`."""

        def find() -> Any:
            for message in reversed(self.bot_messages()):
                for button in message.find_elements(self.by.CSS_SELECTOR, ".kb button"):
                    if label in button.text:
                        return button
            return None

        before = len(self.driver.find_elements(self.by.CSS_SELECTOR, "#messages .msg"))
        self.until(find, f"button {label!r}").click()
        self.settle(before)

    def reply(self, label: str) -> None:
        """Click a reply-keyboard button."""

        def find() -> Any:
            for button in self.driver.find_elements(self.by.CSS_SELECTOR, "#reply-kb button"):
                if label in button.text:
                    return button
            return None

        before = len(self.driver.find_elements(self.by.CSS_SELECTOR, "#messages .msg"))
        self.until(find, f"reply button {label!r}").click()
        self.settle(before)

    def type(self, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        before = len(self.driver.find_elements(self.by.CSS_SELECTOR, "#messages .msg"))
        self.driver.find_element(self.by.ID, "input").send_keys(text, Keys.ENTER)
        self.settle(before)

    def settle(self, before: int) -> None:
        """Give the bot a moment: wait until the chat changed and then stays still briefly."""
        time.sleep(0.4)
        last = self.chat_html()
        quiet_since = time.monotonic()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 0.6:
            time.sleep(0.1)
            now = self.chat_html()
            if now != last:
                last, quiet_since = now, time.monotonic()

    def chat_html(self) -> str:
        return str(self.driver.find_element(self.by.ID, "messages").get_attribute("innerHTML"))

    def person(self, person_id: int) -> None:
        selector = f'#people li[data-person-id="{person_id}"]'
        self.until(lambda: self.driver.find_elements(self.by.CSS_SELECTOR, selector), "person")
        self.driver.find_element(self.by.CSS_SELECTOR, selector).click()
        self.until(
            lambda: (
                "active"
                in self.driver.find_element(self.by.CSS_SELECTOR, selector).get_attribute("class")
            ),
            "the person's chat",
        )
        time.sleep(0.5)

    def download(self, suffix: str, downloads: Path) -> Path:
        """Click the newest document of this type and wait for the browser to save it."""
        links = self.until(
            lambda: [
                a
                for a in self.driver.find_elements(self.by.CSS_SELECTOR, "#messages a.file")
                if a.find_element(self.by.CSS_SELECTOR, ".fname").text.endswith(suffix)
            ],
            f"a {suffix} document",
        )
        existing = set(downloads.glob(f"*{suffix}"))
        links[-1].click()
        return self.until(
            lambda: next(
                (
                    p
                    for p in downloads.glob(f"*{suffix}")
                    if p not in existing and p.stat().st_size > 0
                ),
                None,
            ),
            f"the {suffix} download",
        )


def test_newcomer_registers_and_methodologist_exports_in_the_browser(
    sandbox: str, browser: Any
) -> None:
    page = Page(browser)
    downloads: Path = browser.downloads
    browser.get(sandbox)
    page.until(
        lambda: len(browser.find_elements(page.by.CSS_SELECTOR, "#people li")) == 3, "people"
    )
    assert browser.title == ts.TITLE
    page.shot("loaded")

    # A newcomer goes through onboarding by clicking.
    browser.find_element(page.by.ID, "new-person").click()
    page.until(lambda: browser.find_element(page.by.ID, "start").is_displayed(), "НАЧАТЬ")
    newcomer_id = personas.NEWCOMER_BASE
    assert (
        browser.find_element(
            page.by.CSS_SELECTOR, f'#people li[data-person-id="{newcomer_id}"]'
        ).get_attribute("class")
        == "active"
    )
    browser.find_element(page.by.ID, "start").click()
    page.wait_text(to.GREETING.split("\n")[0][:30])
    page.shot("greeting")
    page.press(to.CONSENT_YES)
    page.type("Кузнецова Ольга Ивановна")
    page.press(to.ROLE_LABELS[Role.TEACHER])
    page.type("237")
    page.press("ГБОУ школа № 237")
    page.type("учитель истории")
    page.press(to.SUMMARY_OK)
    page.wait_text("Регистрация завершена")
    page.until(
        lambda: any(
            tc.MENU_EVENTS in b.text
            for b in browser.find_elements(page.by.CSS_SELECTOR, "#reply-kb button")
        ),
        "the main menu keyboard",
    )
    page.until(
        lambda: "Ольга Кузнецова" in browser.find_element(page.by.ID, "people").text,
        "the newcomer listed by name",
    )
    page.shot("onboarded")

    # … registers for a webinar and gets the .ics.
    page.reply(tc.MENU_EVENTS)
    page.press(WEBINAR)
    page.press(te.BTN_REGISTER)
    ics = page.download(".ics", downloads)
    vevent = next(iter(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")))
    assert WEBINAR in str(vevent.get("summary"))
    page.shot("registered")

    # A reload keeps the history and the dialog goes on.
    browser.refresh()
    page.wait_text("Регистрация завершена")
    assert "Кузнецова" in page.chat_text() or "Ольга" in page.chat_text()

    # Bad input from the page: a visible error, the bot unaffected.
    page.type("я" * 5000)
    page.until(
        lambda: any(
            "слишком длинное" in t.text
            for t in browser.find_elements(page.by.CSS_SELECTOR, "#toasts .toast.error")
        ),
        "the error toast",
    )
    assert len(browser.find_element(page.by.ID, "input").get_attribute("value")) == 5000
    browser.find_element(page.by.ID, "input").clear()
    browser.execute_script("state.ws.send('{oops')")  # a malformed frame
    page.until(
        lambda: any(
            "не поняла" in t.text
            for t in browser.find_elements(page.by.CSS_SELECTOR, "#toasts .toast.error")
        ),
        "the bad frame toast",
    )
    page.shot("bad-input")
    answered = len(page.bot_messages())
    page.reply(tc.MENU_MY)  # the bot is unaffected
    page.until(lambda: len(page.bot_messages()) > answered, "the bot's answer")
    assert WEBINAR in page.bot_messages()[-1].text

    # The methodologist downloads the registrants' XLSX.
    page.person(personas.METHODOLOGIST_ID)
    menu = browser.find_element(page.by.ID, "menu")
    menu.click()
    page.until(
        lambda: browser.find_elements(page.by.CSS_SELECTOR, '#commands .cmd[data-command="admin"]'),
        "/admin in the command menu",
    )
    page.shot("command-menu")
    browser.find_element(page.by.CSS_SELECTOR, '#commands .cmd[data-command="admin"]').click()
    page.settle(0)
    page.press(ta.SECTION_EVENTS)
    page.press(WEBINAR)
    page.press(ta.BTN_EXPORT)
    xlsx = page.download(".xlsx", downloads)
    rows = list(load_workbook(io.BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True))
    names = " ".join(str(cell) for row in rows for cell in row if cell)
    assert "Кузнецова Ольга Ивановна" in names and "Петрова Анна Сергеевна" in names
    page.shot("methodologist-export")

    # Sending a file: it appears in the chat as the person's document and reaches the bot.
    table = downloads.parent / "календарь.csv"
    table.write_bytes("\ufeffНазвание;Дата\n".encode())
    browser.find_element(page.by.ID, "file").send_keys(str(table))
    page.until(
        lambda: any(
            a.text.endswith("календарь.csv")
            for a in browser.find_elements(page.by.CSS_SELECTOR, "#messages .msg.user .fname")
        ),
        "the sent file in the chat",
    )

    # «Перемотать время»: the reminders of the webinar arrive in the other people's chats. The
    # teacher and the head also got a feedback request at the start (a webinar that ended two
    # hours ago), whose follow-up may come first: the time is moved on until the reminder comes.
    badge = f'#people li[data-person-id="{newcomer_id}"] .badge'
    browser.find_element(page.by.ID, "rewind").click()
    page.until(
        lambda: any(
            "перемотано" in t.text.lower()
            for t in browser.find_elements(page.by.CSS_SELECTOR, "#toasts .toast")
        ),
        "the rewind toast",
    )
    for _ in range(3):
        if page.until(
            lambda: browser.find_element(page.by.CSS_SELECTOR, badge).text or None,
            "a badge",
            timeout=8,
            fail=False,
        ):
            break
        browser.find_element(page.by.ID, "rewind").click()
    assert browser.find_element(page.by.CSS_SELECTOR, badge).text
    page.shot("rewound")
    page.person(newcomer_id)
    page.wait_text("Напоминание")
    page.shot("reminder")
    shutil.copy(ics, ARTIFACTS / ics.name)

// The sandbox's web chat: one page, one WebSocket, the chats kept by the server.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { texts: {}, people: [], current: null, chat: null, unread: {}, ws: null, seen: {} };
const T = (name) => state.texts[name] || name;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join("").toUpperCase();
}

function time(unix) {
  if (!unix) return "";
  const d = new Date(unix * 1000);
  return d.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
}

function size(bytes) {
  if (bytes < 1024) return bytes + " Б";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " КБ";
  return (bytes / 1024 / 1024).toFixed(1) + " МБ";
}

function toast(text, kind) {
  const node = el("div", "toast" + (kind ? " " + kind : ""), text);
  $("toasts").appendChild(node);
  setTimeout(() => node.remove(), kind === "error" ? 8000 : 4000);
}

function alertBox(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
  $("alert-ok").focus();
}

// ------------------------------------------------------------------ people

function renderPeople() {
  const list = $("people");
  list.textContent = "";
  for (const p of state.people) {
    const li = el("li");
    li.dataset.personId = p.id;
    if (p.id === state.current) li.classList.add("active");
    li.appendChild(el("div", "pic", initials(p.name)));
    const who = el("div", "who");
    who.appendChild(el("div", "name", p.name));
    who.appendChild(el("div", "about", p.about));
    li.appendChild(who);
    li.appendChild(el("span", "badge", state.unread[p.id] ? String(state.unread[p.id]) : ""));
    li.addEventListener("click", () => select(p.id));
    list.appendChild(li);
  }
}

async function select(id) {
  state.current = id;
  state.unread[id] = 0;
  localStorage.setItem("sandbox.person", String(id));
  const person = state.people.find((p) => p.id === id);
  $("chat-sub").textContent = person ? person.name + " · " + person.about : "";
  renderPeople();
  await loadChat();
  $("input").focus();
}

async function loadChat() {
  const id = state.current;
  const response = await fetch("/api/chat/" + id);
  if (!response.ok) return;
  const chat = await response.json();
  if (id !== state.current) return;
  state.chat = chat;
  state.seen[id] = new Set(chat.messages.map((m) => m.id));
  const box = $("messages");
  box.textContent = "";
  for (const m of chat.messages) box.appendChild(renderMessage(m));
  renderEmpty();
  renderKeyboard(chat.keyboard);
  renderCommands(chat.commands);
  box.scrollTop = box.scrollHeight;
}

function renderEmpty() {
  const box = $("messages");
  const empty = !box.querySelector(".msg");
  const note = box.querySelector(".empty");
  if (empty && !note) box.appendChild(el("div", "empty", T("EMPTY_CHAT")));
  if (!empty && note) note.remove();
  $("start-bar").hidden = !empty;
}

// ------------------------------------------------------------------ messages

function renderMessage(m) {
  const node = el("div", "msg " + (m.from_bot ? "bot" : "user"));
  node.dataset.id = m.id;
  const bubble = el("div", "bubble");
  if (m.file && m.file.photo) {
    const img = el("img", "photo");
    img.src = m.file.url + "?inline=1";
    img.alt = m.file.name;
    bubble.appendChild(img);
  } else if (m.file) {
    const link = el("a", "file");
    link.href = m.file.url;
    link.download = m.file.name;
    link.title = T("DOWNLOAD");
    link.appendChild(el("span", "icon", "⬇"));
    const info = el("span");
    info.appendChild(el("div", "fname", m.file.name));
    info.appendChild(el("div", "fsize", size(m.file.size)));
    link.appendChild(info);
    bubble.appendChild(link);
  }
  if (m.html) {
    const text = el("div", "text");
    text.innerHTML = m.html; // built by the server from entities: whitelisted tags only
    for (const s of text.querySelectorAll(".spoiler")) {
      s.addEventListener("click", () => s.classList.add("shown"));
    }
    bubble.appendChild(text);
  }
  const meta = el("span", "meta", (m.edited ? T("EDITED") + " " : "") + time(m.date));
  bubble.appendChild(meta);
  node.appendChild(bubble);
  if (m.buttons && m.buttons.length) {
    const kb = el("div", "kb");
    for (const row of m.buttons) {
      const line = el("div", "row");
      for (const b of row) {
        const button = el("button", b.kind === "url" ? "url" : "cb", b.text);
        button.type = "button";
        if (b.kind === "url") {
          button.addEventListener("click", () => window.open(b.url, "_blank", "noopener"));
        } else {
          button.addEventListener("click", () =>
            send({ op: "press", chat_id: m.chat_id, message_id: m.id, data: b.data }),
          );
        }
        line.appendChild(button);
      }
      kb.appendChild(line);
    }
    node.appendChild(kb);
  }
  return node;
}

function upsertMessage(chatId, m) {
  const seen = (state.seen[chatId] = state.seen[chatId] || new Set());
  const isNew = !seen.has(m.id);
  seen.add(m.id);
  if (chatId !== state.current) {
    if (isNew && m.from_bot) {
      state.unread[chatId] = (state.unread[chatId] || 0) + 1;
      renderPeople();
    }
    return;
  }
  const box = $("messages");
  const node = renderMessage(m);
  const old = box.querySelector(`.msg[data-id="${m.id}"]`);
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  if (old) {
    old.replaceWith(node);
  } else {
    const later = [...box.querySelectorAll(".msg")].find((n) => Number(n.dataset.id) > m.id);
    box.insertBefore(node, later || null);
  }
  renderEmpty();
  if (!old || atBottom) box.scrollTop = box.scrollHeight;
}

function removeMessage(chatId, id) {
  if (chatId !== state.current) return;
  const node = $("messages").querySelector(`.msg[data-id="${id}"]`);
  if (node) node.remove();
  renderEmpty();
}

function renderKeyboard(rows) {
  const box = $("reply-kb");
  box.textContent = "";
  for (const row of rows || []) {
    const line = el("div", "row");
    for (const text of row) {
      const button = el("button", "", text);
      button.type = "button";
      button.addEventListener("click", () => sendText(text));
      line.appendChild(button);
    }
    box.appendChild(line);
  }
}

function renderCommands(commands) {
  const box = $("commands");
  box.textContent = "";
  for (const c of commands || []) {
    const row = el("div", "cmd");
    row.dataset.command = c.command;
    row.appendChild(el("b", "", "/" + c.command));
    row.appendChild(el("span", "", c.description));
    row.addEventListener("click", () => {
      box.hidden = true;
      sendText("/" + c.command);
    });
    box.appendChild(row);
  }
  $("menu").hidden = !(commands && commands.length);
}

// ------------------------------------------------------------------ socket

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + location.host + "/ws");
  state.ws = ws;
  $("status").textContent = T("CONNECTING");
  ws.onopen = () => {
    $("status").textContent = "";
    if (state.current !== null) loadChat();
  };
  ws.onmessage = (event) => onFrame(JSON.parse(event.data));
  ws.onclose = (event) => {
    if (event.code === 1009) toast(T("TOO_LONG").replace("{limit}", "4096"), "error");
    $("status").textContent = T("DISCONNECTED");
    setTimeout(connect, 1000);
  };
}

function send(frame) {
  if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
    toast(T("DISCONNECTED"), "error");
    return false;
  }
  state.ws.send(JSON.stringify(frame));
  return true;
}

function sendText(text) {
  return send({ op: "text", chat_id: state.current, text: text });
}

function onFrame(frame) {
  switch (frame.type) {
    case "message":
      upsertMessage(frame.chat_id, frame.message);
      break;
    case "deleted":
      removeMessage(frame.chat_id, frame.message_id);
      break;
    case "keyboard":
      if (frame.chat_id === state.current) renderKeyboard(frame.rows);
      break;
    case "commands":
      if (state.current !== null) {
        fetch("/api/chat/" + state.current)
          .then((r) => r.json())
          .then((chat) => renderCommands(chat.commands));
      }
      break;
    case "toast":
      if (frame.chat_id === state.current) {
        if (frame.alert) alertBox(frame.text);
        else toast(frame.text);
      }
      break;
    case "error":
      toast(frame.text, "error");
      break;
    case "people": {
      state.people = frame.people;
      renderPeople();
      const person = state.people.find((p) => p.id === state.current);
      if (person) $("chat-sub").textContent = person.name + " · " + person.about;
      break;
    }
  }
}

// ------------------------------------------------------------------ controls

async function postJson(url) {
  const response = await fetch(url, { method: "POST" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function wire() {
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = T(node.dataset.text);
  document.title = T("TITLE");
  $("input").placeholder = T("PLACEHOLDER");
  $("attach").title = T("ATTACH");
  $("send").title = T("SEND");
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("input").value;
    if (!text.trim()) return;
    if (text.length > 4096) {
      // The server refuses it too; here the text stays in the box to be shortened.
      toast(T("TOO_LONG").replace("{limit}", "4096"), "error");
      return;
    }
    if (sendText(text)) $("input").value = "";
  });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("menu").addEventListener("click", () => ($("commands").hidden = !$("commands").hidden));
  $("start").addEventListener("click", () => sendText("/start"));
  $("alert-ok").addEventListener("click", () => ($("alert").hidden = true));
  $("file").addEventListener("change", async () => {
    const file = $("file").files[0];
    $("file").value = "";
    if (!file) return;
    const form = new FormData();
    form.append("chat_id", String(state.current));
    form.append("file", file, file.name);
    const response = await fetch("/api/upload", { method: "POST", body: form });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      toast(body.error || T("FILE_TOO_BIG").replace("{limit}", "10"), "error");
    }
  });
  $("new-person").addEventListener("click", async () => {
    const person = await postJson("/api/people");
    if (!state.people.some((p) => p.id === person.id)) state.people.push(person);
    await select(person.id);
  });
  $("rewind").addEventListener("click", async () => {
    try {
      const result = await postJson("/api/rewind");
      toast(result.text);
    } catch (error) {
      toast(String(error.message || error), "error");
    }
  });
}

async function main() {
  const response = await fetch("/api/state");
  const data = await response.json();
  state.texts = data.texts;
  state.people = data.people;
  wire();
  const saved = Number(localStorage.getItem("sandbox.person"));
  const first = state.people.some((p) => p.id === saved) ? saved : state.people[0].id;
  connect();
  await select(first);
}

main();

// opsbot web chat: plain JS, no build step. Text goes in with textContent only (never parsed as HTML).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    me: "", // the logged-in person (from /auth/me); the server takes who acts from the session, not from us
    csrf: "", // the session's CSRF token, sent with every POST
    chat: localStorage.getItem("opsbot.chat") || "#general",
    thread: null,
    messages: new Map(), // id → message of the current chat
    unread: new Map(),
    people: [],
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  async function api(path, body) {
    const opts = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": state.csrf }, body: JSON.stringify(body),
    };
    const res = await fetch(path, opts);
    if (res.status === 401) { location.href = "/auth/login?next=" + encodeURIComponent(location.pathname); }
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    return res.json();
  }

  const time = (iso) => new Date(iso).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
  const ticketOf = (m) => ((m.body.buttons || []).find((b) => b.action !== "ask") || {}).value;
  const statusOf = (m) => {
    const hit = /状态\s*(\S+)|status\s+(\w+)/.exec(m.body.text || "");
    return hit ? hit[1] || hit[2] : "";
  };

  // --- rendering ---

  function table(t) {
    const head = el("tr", {}, ...t.columns.map((c) => el("th", { text: c })));
    const rows = t.rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { text: c }))));
    const grid = el("table", { class: "data", "data-testid": "answer-table" }, el("thead", {}, head), el("tbody", {}, ...rows));
    return el("div", { class: "table-scroll" }, grid);
  }

  function act(m, action, value, extra) {
    return api("/web/api/actions", { message_id: m.id, action, value, ...(extra || {}) })
      .catch((e) => alert(e.message));
  }

  function assignPicker(m, value, box) {
    const old = box.querySelector(".picker");
    if (old) { old.remove(); return; }
    const input = el("input", { list: "people", placeholder: "转派给… / assign to…", "data-testid": "assign-input" });
    const ok = el("button", {
      class: "btn primary", type: "button", text: "确定", "data-testid": "assign-confirm",
      onclick: () => { if (input.value.trim()) act(m, "assign", value, { to: input.value.trim() }); },
    });
    box.append(el("div", { class: "picker" }, input, ok));
    input.focus();
  }

  function buttons(m, box) {
    const list = (m.body.buttons || []).map((b) => {
      if (b.url) return el("a", { class: `btn ${b.style}`, href: b.url, target: "_blank", text: b.label });
      return el("button", {
        class: `btn ${b.style}`, type: "button", text: b.label, "data-testid": `button-${b.action}`,
        onclick: () => (b.action === "assign" && m.kind === "card" ? assignPicker(m, b.value, box) : act(m, b.action, b.value)),
      });
    });
    return list.length ? el("div", { class: "buttons" }, ...list) : null;
  }

  async function toggleAudit(no, box) {
    const old = box.querySelector(".audit");
    if (old) { old.remove(); return; }
    const list = el("ol", { class: "audit", "data-testid": "audit-list" });
    box.append(list);
    try {
      const got = await api(`/web/api/tickets/${encodeURIComponent(no)}`);
      for (const e of got.events) {
        const line = `${time(e.at)} ${e.action} · ${e.actor} (${e.platform}) → ${e.to_status}${e.note ? " · " + e.note : ""}`;
        list.append(el("li", { "data-testid": "audit-event", "data-action": e.action, text: line }));
      }
    } catch (err) { list.append(el("li", { text: err.message })); }
  }

  function body(m, inThread) {
    const b = m.body;
    const parts = [];
    if (m.kind === "card") {
      const status = statusOf(m);
      const box = el("div", {
        class: "card-box" + (/🔴|critical/.test(b.title || "") ? " critical" : "") + (/已关闭|已恢复|closed|resolved/.test(status) ? " done" : ""),
        "data-testid": "card", "data-ticket": ticketOf(m) || "",
      });
      const sev = /^(🔴|🟡)\s*/.exec(b.title || ""); // a coloured dot: no emoji font needed
      const dot = sev ? el("span", { class: "sev " + (sev[1] === "🔴" ? "red" : "yellow") }) : null;
      box.append(el("div", { class: "title", "data-testid": "card-title" }, dot, (b.title || "").slice(sev ? sev[0].length : 0),
        status ? el("span", { class: "status", "data-testid": "card-status", text: status }) : null));
      box.append(el("div", { class: "text", "data-testid": "card-text", text: b.text }));
      if ((b.mentions || []).length) box.append(el("div", { class: "mentions", text: b.mentions.map((x) => "@" + x.name).join(" ") }));
      box.append(buttons(m, box) || "");
      if (b.footer) box.append(el("div", { class: "footer", text: b.footer }));
      const no = ticketOf(m);
      const links = el("div", { class: "buttons" });
      if (no) links.append(el("button", { class: "btn link", type: "button", text: "审计记录 / Audit trail", "data-testid": "audit-toggle", onclick: () => toggleAudit(no, box) }));
      if (!inThread) links.append(replyButton(m));
      box.append(links);
      parts.push(box);
      return parts;
    }
    if (b.title) parts.push(el("div", { class: "title", text: b.title }));
    parts.push(el("div", { class: "text", "data-testid": "message-text", text: b.text }));
    if (b.table) parts.push(table(b.table));
    if (b.image) parts.push(el("img", { class: "chart", alt: b.image.alt, src: "data:image/png;base64," + b.image.png, "data-testid": "answer-chart" }));
    if (b.footer) parts.push(el("div", { class: "footer", "data-testid": "message-footer", text: b.footer }));
    const btns = buttons(m, null);
    if (btns) parts.push(btns);
    return parts;
  }

  function replyButton(m) {
    const n = [...state.messages.values()].filter((x) => x.thread === m.id).length;
    return el("button", {
      class: "btn link", type: "button", "data-testid": "reply-button",
      text: n ? `${n} 条回复 / replies` : "回复 / Reply", onclick: () => openThread(m.id),
    });
  }

  function render(m, inThread) {
    const node = el("div", { class: `msg ${m.kind}`, "data-testid": "message", "data-id": m.id, "data-kind": m.kind, "data-version": String(m.version) });
    const main = el("div", { class: "msg-main" }, el("div", { class: "meta" }, el("b", { text: m.author }), time(m.created_at)));
    main.append(...body(m, inThread));
    if (!inThread && m.kind !== "card") main.append(el("div", { class: "replies" }, replyButton(m)));
    node.append(el("div", { class: "avatar", text: (m.author || "?").slice(0, 1).toUpperCase() }), main);
    return node;
  }

  function renderAll() {
    const list = $("messages");
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    list.replaceChildren(...[...state.messages.values()].filter((m) => !m.thread).map((m) => render(m, false)));
    if (stick) list.scrollTop = list.scrollHeight;
    renderThread();
  }

  function renderThread() {
    const panel = $("thread");
    const root = state.thread && state.messages.get(state.thread);
    panel.classList.toggle("hidden", !root);
    if (!root) return;
    const box = $("thread-messages");
    const replies = [...state.messages.values()].filter((m) => m.thread === root.id);
    box.replaceChildren(render(root, true), ...replies.map((m) => render(m, true)));
    box.scrollTop = box.scrollHeight;
  }

  function renderChats(chats) {
    $("chats").replaceChildren(...chats.map((c) => {
      const unread = state.unread.get(c) || 0;
      return el("button", {
        class: "chat" + (c === state.chat ? " active" : ""), type: "button", "data-testid": `chat-${c}`, "data-chat": c,
        onclick: () => selectChat(c),
      }, el("span", { text: c }), unread ? el("span", { class: "badge", text: String(unread) }) : null);
    }));
  }

  // --- state ---

  let chatNames = [];
  async function loadChats() {
    const got = await api("/web/api/chats");
    chatNames = got.chats.map((c) => c.chat);
    if (!chatNames.includes(state.chat)) chatNames.push(state.chat);
    renderChats(chatNames);
  }

  async function selectChat(chat) {
    state.chat = chat; state.thread = null; state.unread.delete(chat);
    localStorage.setItem("opsbot.chat", chat);
    $("chat-title").textContent = chat;
    renderChats(chatNames);
    const got = await api(`/web/api/messages?chat=${encodeURIComponent(chat)}`);
    state.messages = new Map(got.messages.map((m) => [m.id, m]));
    renderAll();
    const list = $("messages"); list.scrollTop = list.scrollHeight;
  }

  function openThread(id) { state.thread = id; renderThread(); $("thread-text").focus(); }

  function upsert(m) {
    if (m.chat !== state.chat) {
      if (!chatNames.includes(m.chat)) chatNames.push(m.chat);
      state.unread.set(m.chat, (state.unread.get(m.chat) || 0) + 1);
      renderChats(chatNames);
      return;
    }
    const known = state.messages.get(m.id);
    if (known && known.version > m.version) return;
    state.messages.set(m.id, m);
    renderAll();
  }

  async function post(text, thread) {
    const sent = await api("/web/api/messages", { chat: state.chat, text, thread });
    upsert(sent);
    if (!thread) openThread(sent.id);
  }

  function composer(form, input, threadOf) {
    const submit = async (ev) => {
      if (ev) ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      try { await post(text, threadOf()); } catch (e) { input.value = text; alert(e.message); }
    };
    form.addEventListener("submit", submit);
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) submit(ev); });
  }

  function connect() {
    const source = new EventSource("/web/api/stream");
    const live = $("live");
    source.addEventListener("hello", () => { live.classList.add("on"); selectChatQuiet(); });
    source.addEventListener("message", (ev) => upsert(JSON.parse(ev.data)));
    source.addEventListener("update", (ev) => upsert(JSON.parse(ev.data)));
    source.addEventListener("error", () => live.classList.remove("on"));
  }

  let connectedOnce = false;
  async function selectChatQuiet() { // after a reconnect: catch up on what the stream missed
    if (!connectedOnce) { connectedOnce = true; return; }
    const got = await api(`/web/api/messages?chat=${encodeURIComponent(state.chat)}`);
    for (const m of got.messages) { const k = state.messages.get(m.id); if (!k || k.version !== m.version) state.messages.set(m.id, m); }
    renderAll();
  }

  async function start() {
    const who = await api("/auth/me");
    state.me = who.person;
    state.csrf = who.csrf;
    $("me").value = state.me;
    composer($("composer"), $("text"), () => null);
    composer($("thread-composer"), $("thread-text"), () => state.thread);
    $("thread-close").addEventListener("click", () => { state.thread = null; renderThread(); });
    try {
      state.people = (await api("/web/api/people")).people;
      $("people").replaceChildren(...state.people.map((p) => el("option", { value: p.name, text: p.role || "" })));
    } catch (e) { /* no people configured */ }
    await loadChats();
    await selectChat(state.chat);
    connect();
    document.body.dataset.ready = "1";
  }
  start();
})();

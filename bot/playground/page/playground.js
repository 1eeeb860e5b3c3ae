// The playground page: draws the channel as Discord would from /api/state, and turns what the
// person does into /api calls (each one becomes what Discord sends the bot). No build step,
// no libraries: plain DOM.
"use strict";

const $ = (id) => document.getElementById(id);
const box = $("box");
const state = { data: null, since: -1, tokens: new Set(), opened: new Set(), dismissed: new Set(),
  openDetails: new Set(), drawn: { posts: "", panel: "" }, menuFor: null, modalToken: null };
const POLL_FAILURES_MAX = 30;  // about a minute of failures: the playground has stopped

function who() { return document.querySelector('input[name="who"]:checked').value; }
function membersSeeAll() { return $("members-see-all").checked; }

async function api(path, body) {
  const r = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ who: who(), members_see_all: membersSeeAll(), ...body }),
  });
  const data = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

function showError(text) { $("error").textContent = text || ""; }

// --- Discord markdown, the subset the bot uses ---------------------------------------------

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;" }[c]));
}

function inline(s, keep) {
  // s is already HTML-escaped; `keep` stores pieces that must not be formatted again
  s = s.replace(/`([^`]+)`/g, (_, c) => keep(`<code>${c}</code>`));
  s = s.replace(/\[([^\]]+)\]\(&lt;(https?:\/\/[^\s]+?)&gt;\)|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
    (_, l1, u1, l2, u2) => keep(`<a href="${u1 || u2}" target="_blank" rel="noopener noreferrer">`
      + inline(l1 || l2, keep) + "</a>"));
  s = s.replace(/\*\*([\s\S]+?)\*\*/g, "<strong>$1</strong>");
  s = s.replace(/__([\s\S]+?)__/g, "<u>$1</u>");
  s = s.replace(/\*([^*\s](?:[\s\S]*?[^*\s])?)\*/g, "<em>$1</em>");
  s = s.replace(/(^|[^\w])_([^_\s](?:[\s\S]*?[^_\s])?)_(?!\w)/g, "$1<em>$2</em>");
  s = s.replace(/~~([\s\S]+?)~~/g, "<s>$1</s>");
  s = s.replace(/\|\|([\s\S]+?)\|\|/g, '<span class="spoiler">$1</span>');
  return s;
}

function markdown(text) {
  const kept = [];
  const keep = (html) => { kept.push(html); return `\u0000${kept.length - 1}\u0000`; };
  // backslash escapes first: the escaped character is shown as itself, never formats
  let s = String(text || "").replace(/\\([^\w\s])/g, (_, c) => keep(esc(c)));
  s = esc(s);
  const out = [];
  let quote = [];
  const flush = () => { if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`); quote = []; };
  for (const line of s.split("\n")) {
    const q = line.match(/^&gt; ?(.*)$/);
    if (q) { quote.push(inline(q[1], keep)); continue; }
    flush();
    let m;
    if ((m = line.match(/^(#{1,3}) (.*)$/))) out.push(`<h${m[1].length}>${inline(m[2], keep)}</h${m[1].length}>`);
    else if ((m = line.match(/^-# (.*)$/))) out.push(`<div class="subtext">${inline(m[1], keep)}</div>`);
    else if ((m = line.match(/^[-*] (.*)$/))) out.push(`<div>• ${inline(m[1], keep)}</div>`);
    else out.push(inline(line, keep) + "<br>");
  }
  flush();
  let html = out.join("").replace(/(<br>)+$/, "");
  for (let i = 0; i < 3 && html.includes("\u0000"); i++) {
    html = html.replace(/\u0000(\d+)\u0000/g, (_, n) => kept[Number(n)]);
  }
  return html;
}

// --- drawing the channel -------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "html") e.innerHTML = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

function clock(at) {
  const d = at ? new Date(at * 1000) : new Date();
  return "Today at " + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function colour(n) { return n ? "#" + Number(n).toString(16).padStart(6, "0") : null; }

function embedNode(e) {
  const node = el("div", { class: "embed" });
  if (e.color !== undefined) node.style.borderLeftColor = colour(e.color);
  if (e.author && e.author.name) node.append(el("div", { class: "embed-author", text: e.author.name }));
  if (e.title) {
    const t = el("div", { class: "embed-title", html: markdown(e.title) });
    node.append(e.url ? el("a", { href: e.url, target: "_blank", rel: "noopener" }, t) : t);
  }
  if (e.description) node.append(el("div", { class: "content", html: markdown(e.description) }));
  if (e.fields && e.fields.length) {
    const fields = el("div", { class: "embed-fields" });
    for (const f of e.fields) {
      fields.append(el("div", { class: "embed-field" + (f.inline ? " inline" : "") },
        el("div", { class: "embed-field-name", html: markdown(f.name) }),
        el("div", { class: "content", html: markdown(f.value) })));
    }
    node.append(fields);
  }
  if (e.footer && e.footer.text) node.append(el("div", { class: "embed-footer", text: e.footer.text }));
  return node;
}

const STYLES = { 1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "primary" };

function buttonNode(c, message) {
  const label = [];
  if (c.emoji && c.emoji.name) label.push(el("span", { "aria-hidden": "true", text: c.emoji.name }));
  if (c.label) label.push(el("span", { text: c.label }));
  const name = c.label || (c.emoji && c.emoji.name) || "button";
  if (c.style === 5 && c.url) {
    return el("a", { class: "btn secondary", href: c.url, target: "_blank", rel: "noopener",
      "aria-label": name }, ...label, el("span", { "aria-hidden": "true", text: "↗" }));
  }
  return el("button", {
    type: "button", class: "btn " + (STYLES[c.style] || "secondary"), "aria-label": name,
    disabled: !!c.disabled || !c.custom_id,
    onclick: async (ev) => {
      ev.currentTarget.disabled = true;  // one click, as Discord's client does while it waits
      try { remember(await api("/api/click", { message_id: message.id, custom_id: c.custom_id })); }
      catch (err) { showError(err.message); }
    },
  }, ...label);
}

function componentNodes(components, message) {
  const out = el("div", { class: "components" });
  for (const c of components || []) {
    if (c.type === 1) {
      const row = el("div", { class: "row" });
      for (const inner of c.components || []) {
        if (inner.type === 2) row.append(buttonNode(inner, message));
        else row.append(el("span", { class: "hint", text: `(component type ${inner.type} is not drawn yet)` }));
      }
      out.append(row);
    } else if (c.type === 10) out.append(el("div", { class: "content", html: markdown(c.content) }));
    else if (c.type === 14) out.append(el("hr"));
    else if (c.type === 17) out.append(componentNodes(c.components, message));
  }
  return out.childElementCount ? out : null;
}

function avatarFor(name, kind) {
  return el("div", { class: "avatar " + kind, "aria-hidden": "true", text: (name || "?")[0].toUpperCase() });
}

function identityLabel(id) {
  const found = (state.data?.identities || []).find((i) => i.id === id);
  return found ? found.label.toLowerCase() : id;
}

function postNode({ author, kind, tag, at, ref, body, ephemeral, messageId, key }) {
  const node = el("article", { class: "post" + (ephemeral ? " ephemeral-post" : ""),
    "aria-label": `${author}${ephemeral ? " (only you can see this)" : ""}`, "data-key": key });
  if (ref) node.append(ref);
  node.append(avatarFor(author, kind));
  const main = el("div", { class: "body" });
  main.append(el("div", { class: "head" }, el("span", { class: "author", text: author }),
    tag ? el("span", { class: "tag", text: tag }) : null, el("time", { class: "time", text: clock(at) })));
  for (const b of body) if (b) main.append(b);
  if (ephemeral) {
    main.append(el("div", { class: "ephemeral" }, el("span", { "aria-hidden": "true", text: "👁" }),
      el("span", { text: "Only you can see this" }), el("span", { "aria-hidden": "true", text: "·" }),
      el("button", { type: "button", class: "linkish", onclick: () => {
        state.dismissed.add(key); draw(true);
      } }, "Dismiss message")));
  }
  node.append(main);
  if (messageId) {
    node.dataset.messageId = messageId;
    node.append(el("button", { type: "button", class: "more", "aria-label": "More options",
      "aria-haspopup": "menu", onclick: (ev) => openMenu(messageId, ev.currentTarget) }, "⋯"));
  }
  return node;
}

function messageBody(m) {
  const parts = [];
  if (m.content) parts.push(el("div", { class: "content", html: markdown(m.content) }));
  for (const e of m.embeds) parts.push(embedNode(e));
  for (const a of m.attachments) parts.push(el("div", { class: "attachment", text: `📎 ${a.filename} (${a.size} bytes)` }));
  parts.push(componentNodes(m.components, m));
  return parts;
}

function refNode(p) {
  if (!p.invoked) return null;
  return el("div", { class: "ref" }, el("span", { class: "who", text: p.who }), " used ",
    el("span", { class: "cmd", text: p.invoked }));
}

function drawPost(p, out) {
  const mine = p.who === who();
  if (p.kind === "chat") {
    out.push(postNode({ author: p.message.author || p.who, kind: p.who, at: p.at,
      body: messageBody(p.message), messageId: p.message.id, key: `chat-${p.n}` }));
    return;
  }
  if (p.kind === "notice") {
    if (!mine || state.dismissed.has(`notice-${p.n}`)) return;
    out.push(postNode({ author: "Discord", kind: "system", tag: "system", at: p.at, ephemeral: true,
      body: [el("div", { class: "content", text: p.text })], key: `notice-${p.n}` }));
    return;
  }
  let ref = refNode(p);
  if (p.thinking) {
    if (!p.thinking_ephemeral || mine) {
      out.push(postNode({ author: "Talks Bot", kind: "bot", tag: "app", at: p.at, ref,
        ephemeral: p.thinking_ephemeral, key: `thinking-${p.n}`,
        body: [el("div", { class: "thinking", role: "status" }, "Talks Bot is thinking",
          el("span", { class: "dots" }))] }));
    }
    ref = null;
  }
  for (const m of p.messages) {
    const key = `msg-${m.id}`;
    if ((m.ephemeral && !mine) || state.dismissed.has(key)) continue;
    out.push(postNode({ author: m.author || "Talks Bot", kind: "bot", tag: "app", at: p.at, ref,
      ephemeral: m.ephemeral, body: messageBody(m), messageId: m.ephemeral ? null : m.id, key }));
    ref = null;
  }
}

function draw(force) {
  const data = state.data;
  if (!data) return;
  const status = $("status");
  if (data.bot_exited) { status.textContent = data.bot_exited; status.className = "status"; }
  else if (data.ready) { status.textContent = "Talks Bot is online"; status.className = "status online"; }
  else { status.textContent = "Talks Bot is starting…"; status.className = "status"; }
  box.disabled = !data.ready;
  const postsKey = JSON.stringify([data.posts, who(), [...state.dismissed]]);
  if (force || postsKey !== state.drawn.posts) {
    state.drawn.posts = postsKey;
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const nodes = [];
    for (const p of data.posts) drawPost(p, nodes);
    list.replaceChildren(list.querySelector(".welcome") || el("div"), ...nodes);
    if (atBottom || force) list.scrollTop = list.scrollHeight;
  }
  const panelKey = JSON.stringify([data.posts.map((p) => p.trace), data.log, data.log_problem]);
  if (force || panelKey !== state.drawn.panel) {
    state.drawn.panel = panelKey;
    drawPanel(data);
  }
  openModals(data);
}

// --- the developer panel -------------------------------------------------------------------

function details(key, summary, ...children) {
  const d = el("details", { open: state.openDetails.has(key) }, el("summary", { text: summary }), ...children);
  d.addEventListener("toggle", () => { if (d.open) state.openDetails.add(key); else state.openDetails.delete(key); });
  return d;
}

function drawPanel(data) {
  const trace = [];
  for (const p of [...data.posts].reverse()) {
    if (p.kind !== "interaction") continue;
    const start = p.trace.length ? p.trace[0].at : 0;
    const steps = el("ol");
    p.trace.forEach((t, i) => {
      const ms = Math.round((t.at - start) * 1000);
      const status = t.status === undefined ? "" : ` → ${t.status}`;
      const cls = t.status === undefined || t.status < 300 ? "ok" : "bad";
      const line = el("span", { class: cls, text: `+${ms} ms ${t.what}${status}` });
      const body = t.body === null || t.body === undefined ? null
        : details(`${p.token}-${i}`, "body", el("pre", { text: JSON.stringify(t.body, null, 2) }));
      steps.append(el("li", {}, line, body));
    });
    const kind = { 2: "command", 3: "button", 4: "autocomplete", 5: "form" }[p.interaction_type] || `type ${p.interaction_type}`;
    trace.push(details(p.token, `${p.invoked || kind} — ${p.who}`, steps));
  }
  $("trace").replaceChildren(...(trace.length ? trace : [el("p", { class: "hint", text: "Nothing yet." })]));
  const log = [];
  if (data.log_problem) log.push(el("p", { class: "bad", text: data.log_problem }));
  for (const e of data.log) {
    const votes = `👍 ${e.helpful} · 👎 ${e.not_helpful}`;
    const node = el("div", { class: "entry" },
      el("div", { class: "q", text: e.question }),
      el("div", { class: "meta", text: `#${e.id} · ${e.user || "?"} · ${e.surface}${e.private ? " · private" : ""} · ${e.result} · ${votes}` }));
    for (const r of e.reasons) node.append(el("div", { class: "why", text: `Not helpful: ${r}` }));
    log.push(node);
  }
  if (!data.log.length && !data.log_problem) log.push(el("p", { class: "hint", text: "Nothing logged yet." }));
  $("log").replaceChildren(...log);
}

// --- forms (modals) ------------------------------------------------------------------------

function textInputs(modal) {
  const inputs = [];
  for (const row of modal.components || []) {
    if (row.type === 18 && row.component) inputs.push({ ...row.component, label: row.label });
    for (const c of row.components || []) if (c.type === 4) inputs.push(c);
  }
  return inputs;
}

function openModals(data) {
  if ($("modal").open) return;
  for (const p of data.posts) {
    if (p.kind !== "interaction" || !p.modal || !state.tokens.has(p.token) || state.opened.has(p.token)) continue;
    state.opened.add(p.token);
    showModal(p.token, p.modal);
    return;
  }
}

function showModal(token, modal) {
  state.modalToken = token;
  $("modal-title").textContent = modal.title || "";
  const fields = $("modal-fields");
  fields.replaceChildren();
  textInputs(modal).forEach((c, i) => {
    const id = `field-${i}`;
    const attrs = { id, "data-label": c.label, placeholder: c.placeholder, required: !!c.required,
      maxlength: c.max_length, minlength: c.min_length };
    const input = c.style === 2 ? el("textarea", attrs) : el("input", { type: "text", ...attrs });
    input.value = c.value || "";
    fields.append(el("div", {}, el("label", { for: id, text: c.label + (c.required ? " *" : "") }), input));
  });
  $("modal").showModal();
  const first = fields.querySelector("input, textarea");
  if (first) first.focus();
}

$("modal-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const values = {};
  for (const input of $("modal-fields").querySelectorAll("input, textarea")) values[input.dataset.label] = input.value;
  const token = state.modalToken;
  $("modal").close();
  try { remember(await api("/api/submit", { token, values })); } catch (err) { showError(err.message); }
});
$("modal-cancel").addEventListener("click", () => $("modal").close());

// --- the message menu (Apps › Ask Talks Bot) -----------------------------------------------

function openMenu(messageId, anchor, x, y) {
  const menu = $("menu");
  const apps = (state.data?.commands || []).filter((c) => c.type === 3);
  menu.replaceChildren(el("div", { class: "menu-label", text: "Apps" }),
    ...apps.map((c) => el("button", { type: "button", role: "menuitem", onclick: async () => {
      closeMenu();
      try { remember(await api("/api/apps", { message_id: messageId, name: c.name })); }
      catch (err) { showError(err.message); }
    } }, c.name)));
  if (!apps.length) menu.append(el("div", { class: "menu-label", text: "No apps" }));
  const r = anchor ? anchor.getBoundingClientRect() : null;
  menu.style.left = `${Math.min(x ?? (r.right - 190), window.innerWidth - 200)}px`;
  menu.style.top = `${Math.min(y ?? r.bottom, window.innerHeight - 120)}px`;
  menu.hidden = false;
  state.menuFor = messageId;
  const first = menu.querySelector('[role="menuitem"]');
  if (first) first.focus();
}

function closeMenu() { $("menu").hidden = true; state.menuFor = null; }

document.addEventListener("click", (ev) => {
  if (!$("menu").hidden && !$("menu").contains(ev.target) && !ev.target.closest(".more")) closeMenu();
});
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { closeMenu(); hideSuggestions(); } });
$("messages").addEventListener("contextmenu", (ev) => {
  const post = ev.target.closest(".post[data-message-id]");
  if (!post) return;
  ev.preventDefault();
  openMenu(post.dataset.messageId, null, ev.clientX, ev.clientY);
});

// --- the message box: commands, suggestions, sending ---------------------------------------

let suggestTimer = null;
let suggestSeq = 0;
let current = [];  // the suggestions shown: {label, desc, apply(text) -> text}
let active = -1;

function hideSuggestions() {
  $("suggestions").hidden = true; current = []; active = -1; box.removeAttribute("aria-activedescendant");
}

function showSuggestions(title, items, preselect) {
  // commands: the first is highlighted (Enter picks it); an option's suggestions: none until
  // the person moves onto one, so Enter sends what they typed
  const list = $("suggestions");
  current = items; active = items.length && preselect ? 0 : -1;
  if (!items.length) { hideSuggestions(); return; }
  list.replaceChildren(el("div", { class: "title", "aria-hidden": "true", text: title }),
    ...items.map((s, i) => el("div", { id: `suggestion-${i}`, class: "option", role: "option",
      "aria-selected": i === active ? "true" : "false",
      onmousedown: (ev) => { ev.preventDefault(); choose(i); } },
      el("span", { text: s.label }), s.desc ? el("span", { class: "desc", text: s.desc }) : null)));
  list.hidden = false;
  if (active >= 0) box.setAttribute("aria-activedescendant", "suggestion-0");
}

function move(step) {
  if (!current.length) return;
  active = active < 0 ? (step > 0 ? 0 : current.length - 1) : (active + step + current.length) % current.length;
  $("suggestions").querySelectorAll(".option").forEach((o, i) => o.setAttribute("aria-selected", i === active ? "true" : "false"));
  box.setAttribute("aria-activedescendant", `suggestion-${active}`);
  $(`suggestion-${active}`).scrollIntoView({ block: "nearest" });
}

function choose(i) {
  const s = current[i];
  if (!s) return;
  box.value = s.apply(box.value);
  hideSuggestions();
  box.focus();
  onTyped();
}

function commandSuggestions(text) {
  const typed = text.slice(1).toLowerCase();
  const items = [];
  for (const c of state.data?.commands || []) {
    if (c.type !== 1) continue;
    if (!c.listed_for.includes(who()) && !membersSeeAll()) continue;
    const subs = (c.options || []).filter((o) => o.type === 1);
    const entries = subs.length ? subs.map((s) => [`${c.name} ${s.name}`, s.description]) : [[c.name, c.description]];
    for (const [name, desc] of entries) {
      if (name.startsWith(typed)) {
        items.push({ label: "/" + name, desc, apply: () => `/${name} ` });
      }
    }
  }
  return items.slice(0, 25);
}

function onTyped() {
  showError("");
  clearTimeout(suggestTimer);
  const text = box.value;
  if (!text.startsWith("/")) { hideSuggestions(); return; }
  const words = text.slice(1).split(" ");
  const command = (state.data?.commands || []).find((c) => c.type === 1 && c.name === words[0].toLowerCase());
  const hasSubs = command && (command.options || []).some((o) => o.type === 1);
  if (!command || (hasSubs && words.length < 3)) {
    showSuggestions("Commands", commandSuggestions(text), true);
    return;
  }
  if (current.length && current[0].label.startsWith("/")) hideSuggestions();  // no stale commands
  const seq = ++suggestSeq;
  suggestTimer = setTimeout(async () => {
    try {
      const got = await api("/api/suggest", { text });
      if (seq !== suggestSeq || box.value !== text) return;  // the person typed on
      const prefix = text.slice(0, got.prefix_length || 0);
      showSuggestions(got.option ? `Suggestions for ${got.option}` : "Suggestions",
        (got.choices || []).map((c) => ({ label: c.name, apply: () => prefix + c.value })), false);
      if (got.error) showError(got.error);
    } catch (err) { hideSuggestions(); }
  }, 250);
}

box.addEventListener("input", onTyped);
box.addEventListener("blur", () => setTimeout(hideSuggestions, 150));
box.addEventListener("keydown", (ev) => {
  const open = !$("suggestions").hidden && current.length;
  if (ev.key === "ArrowDown" && open) { ev.preventDefault(); move(1); }
  else if (ev.key === "ArrowUp" && open) { ev.preventDefault(); move(-1); }
  else if (ev.key === "Tab" && open) { ev.preventDefault(); choose(Math.max(active, 0)); }
});

$("composer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const picked = !$("suggestions").hidden && active >= 0 ? current[active] : null;
  if (picked && picked.apply(box.value).trim() !== box.value.trim()) {
    choose(active);  // Enter on a highlighted suggestion picks it, as in Discord
    return;
  }
  const text = box.value.trim();
  if (!text) return;
  hideSuggestions();
  clearTimeout(suggestTimer);
  suggestSeq++;
  try {
    remember(await api("/api/send", { text }));
    box.value = "";
  } catch (err) { showError(err.message); }
});

function remember(reply) { if (reply && reply.token) state.tokens.add(reply.token); }

for (const input of document.querySelectorAll('input[name="who"], #members-see-all')) {
  input.addEventListener("change", () => draw(true));
}

// --- keeping up with Discord ---------------------------------------------------------------

async function poll() {
  let failures = 0;
  while (failures < POLL_FAILURES_MAX) {
    try {
      const r = await fetch(`/api/state?since=${state.since}`);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      state.data = await r.json();
      state.since = state.data.revision;
      failures = 0;
      draw(false);
    } catch (err) {
      failures++;
      $("status").textContent = "The playground is not answering…";
      $("status").className = "status";
      await new Promise((done) => setTimeout(done, 2000));
    }
  }
  $("status").textContent = "The playground has stopped; start it again and reload.";
  box.disabled = true;
}

poll();

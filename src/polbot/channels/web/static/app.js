// The polbot web chat: sends what the user types or clicks to the chat API and shows the
// replies. Plain DOM, no framework, no inline code (the page's CSP forbids it). Every
// Dutch text comes from the page itself (data-* attributes rendered by the server).
//
// Addresses are relative to the page ("api/chat"), so the chat works under a path prefix.
// The conversation is kept for the tab (sessionStorage) and shown again after a reload;
// "?p=<page>" opens a page and "?q=<question>" asks a question when the page loads.
"use strict";

(function () {
  const chat = document.getElementById("chat");
  const conversation = document.getElementById("conversation");
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const status = document.getElementById("status");
  const counter = document.getElementById("counter");
  const texts = chat.dataset;
  const limit = Number(texts.limit) || 1000;
  const API = "api/chat";
  const STORE = "polbot-chat:" + location.pathname;
  const KEPT_EXCHANGES = 60;
  let busy = false;

  // --- the conversation kept for the tab ------------------------------------------------

  function stored() {
    try {
      const value = JSON.parse(sessionStorage.getItem(STORE) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (error) {
      return []; // storage blocked or damaged: start afresh
    }
  }

  function keep(exchange) {
    const exchanges = stored().concat([exchange]).slice(-KEPT_EXCHANGES);
    while (exchanges.length) {
      try {
        sessionStorage.setItem(STORE, JSON.stringify(exchanges));
        return;
      } catch (error) {
        exchanges.shift(); // full: drop the oldest exchange and try again
      }
    }
  }

  // --- rendering ------------------------------------------------------------------------

  function speaker(name) {
    const label = document.createElement("span");
    label.className = "speaker";
    label.textContent = name;
    return label;
  }

  function item(className, name) {
    const li = document.createElement("li");
    li.className = "message " + className;
    li.appendChild(speaker(name));
    conversation.appendChild(li);
    return li;
  }

  function showSaid(said) {
    const p = document.createElement("p");
    p.textContent = said;
    item("from-user", texts.you).appendChild(p);
  }

  function safeLink(address) {
    return typeof address === "string" && /^(https?:|mailto:)/i.test(address);
  }

  function spans(parent, list, plainBold) {
    for (const span of list) {
      let node = document.createTextNode(span.text);
      if (span.link && safeLink(span.link)) {
        const a = document.createElement("a");
        a.href = span.link;
        a.textContent = span.text;
        if (!/^mailto:/i.test(span.link)) {
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          const hint = document.createElement("span");
          hint.className = "visually-hidden";
          hint.textContent = " (" + texts.newWindow + ")";
          a.appendChild(hint);
        }
        node = a;
      }
      if (span.bold && !plainBold) {
        const strong = document.createElement("strong");
        strong.appendChild(node);
        node = strong;
      }
      parent.appendChild(node);
    }
  }

  // A list item that is only bold text without a link (a tool's name) would read as a
  // list of links: it is shown in the ordinary weight.
  function onlyBoldName(entry) {
    return entry.length > 0 && entry.every((span) => span.bold && !span.link);
  }

  // A table as the handbook shows it: the header's cells name the columns.
  function table(block) {
    const node = document.createElement("table");
    const head = node.createTHead().insertRow();
    for (const cell of block.header || []) {
      const th = document.createElement("th");
      th.scope = "col";
      spans(th, cell, true);
      head.appendChild(th);
    }
    const body = node.createTBody();
    for (const row of block.rows || []) {
      const tr = body.insertRow();
      for (const cell of row) spans(tr.insertCell(), cell, false);
    }
    return node;
  }

  function blocks(parent, reply) {
    if (!Array.isArray(reply.blocks)) {
      const p = document.createElement("p");
      p.textContent = reply.text;
      parent.appendChild(p);
      return;
    }
    for (const block of reply.blocks) {
      if (block.type === "table") {
        parent.appendChild(table(block));
      } else if (block.type === "list") {
        const ul = document.createElement("ul");
        for (const entry of block.items) {
          const li = document.createElement("li");
          spans(li, entry, onlyBoldName(entry));
          ul.appendChild(li);
        }
        parent.appendChild(ul);
      } else {
        const p = document.createElement("p");
        spans(p, block.spans, false);
        parent.appendChild(p);
      }
    }
  }

  // What a button is to the reader, from its payload (see polbot.dialogue.payloads):
  // "primary" goes on in the page shown ("Lees verder"), "nav" goes back (home, the theme),
  // "related" opens another page from a page, "choice" is an option of a menu, "feedback"
  // says whether the answer helped (a small row of its own above the way back).
  const ROWS = ["primary", "choice", "related", "feedback", "nav"];
  function role(button, reply) {
    const payload = String(button.payload);
    if (payload === "home") {
      return "nav";
    }
    if (/^f[yn][da]:/.test(payload)) {
      return "feedback";
    }
    if (!reply.page_id) {
      return "choice";
    }
    const own = "p:" + reply.page_id;
    if (payload === own || payload.startsWith(own + ":")) {
      return "primary";
    }
    if (payload.startsWith("t:")) {
      return "nav";
    }
    return reply.kind === "alternatives" ? "choice" : "related";
  }

  function buttons(parent, reply) {
    if (!Array.isArray(reply.buttons) || reply.buttons.length === 0) {
      return;
    }
    const group = document.createElement("div");
    group.className = "buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", texts.buttonsLabel);
    const rows = {};
    for (const name of ROWS) {
      rows[name] = document.createElement("div");
      rows[name].className = "row-" + name;
    }
    for (const button of reply.buttons) {
      const kind = role(button, reply);
      const element = document.createElement("button");
      element.type = "button";
      element.className = "button-" + kind;
      element.textContent = button.label;
      element.dataset.payload = button.payload;
      element.addEventListener("click", function () {
        send({ payload: button.payload }, button.label, true);
      });
      rows[kind].appendChild(element);
    }
    for (const name of ROWS) {
      if (rows[name].childElementCount) {
        group.appendChild(rows[name]);
      }
    }
    parent.appendChild(group);
  }

  function showReplies(replies) {
    let first = null;
    for (const reply of replies) {
      const li = item("from-assistant", texts.assistant);
      li.tabIndex = -1;
      if (reply.kind) {
        li.dataset.kind = reply.kind;
      }
      blocks(li, reply);
      buttons(li, reply);
      first = first || li;
    }
    return first;
  }

  function showError(message, retry) {
    const li = item("from-assistant error", texts.assistant);
    li.tabIndex = -1;
    const p = document.createElement("p");
    p.textContent = message;
    li.appendChild(p);
    if (retry) {
      const again = document.createElement("button");
      again.type = "button";
      again.className = "button-primary";
      again.textContent = texts.retry;
      again.addEventListener("click", function () {
        if (!busy) {
          li.remove();
          retry();
        }
      });
      const row = document.createElement("div");
      row.className = "buttons";
      row.appendChild(again);
      li.appendChild(row);
    }
    return li;
  }

  // --- talking to the server ------------------------------------------------------------

  // Sends ``body``; ``said`` is the user's side of it (shown unless ``shown`` already is).
  async function send(body, said, moveFocus, shown) {
    if (busy) {
      return;
    }
    busy = true;
    status.hidden = false;
    if (said && !shown) {
      showSaid(said);
    }
    let first;
    let failed = null;
    try {
      const response = await fetch(API, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok && Array.isArray(data.replies)) {
        first = showReplies(data.replies);
        keep({ said: said || null, replies: data.replies });
        if (body.text !== undefined && input.value.trim() === body.text) {
          input.value = ""; // sent after all (a retry): the field is free again
          updateCounter();
        }
      } else if (response.status < 500 && data.error && data.error.message) {
        failed = { message: data.error.message, retry: false };
      } else {
        failed = { message: texts.errorNetwork, retry: true };
      }
    } catch (error) {
      failed = { message: texts.errorNetwork, retry: true };
    } finally {
      busy = false;
      status.hidden = true;
    }
    if (failed) {
      let message = failed.message;
      if (body.text !== undefined && said) {
        // The question goes back into the field, unless the user is typing another one.
        if (!input.value) {
          input.value = body.text;
          updateCounter();
        }
        message += " " + texts.errorKept;
      }
      const again = failed.retry ? () => send(body, said, true, true) : null;
      first = showError(message, again);
    }
    if (first) {
      first.scrollIntoView({ block: "start" });
      if (moveFocus) {
        // After a click the old buttons are history: continue from the new reply.
        first.focus();
      }
    }
  }

  // --- the question field and its counter -----------------------------------------------

  function length(text) {
    return Array.from(text.trim()).length; // code points, as the server counts
  }

  function updateCounter() {
    const used = length(input.value);
    if (used < limit * 0.8) {
      counter.hidden = true;
      counter.textContent = "";
      counter.classList.remove("over");
      return;
    }
    const over = used > limit;
    counter.textContent = over
      ? texts.counterOver.replace("{over}", String(used - limit))
      : texts.counterLeft.replace("{left}", String(limit - used));
    counter.classList.toggle("over", over);
    counter.hidden = false;
  }

  input.addEventListener("input", updateCounter);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) {
      return;
    }
    if (length(text) > limit) {
      updateCounter();
      input.focus();
      return;
    }
    input.value = "";
    updateCounter();
    send({ text: text }, text, false);
  });

  // --- start: the kept conversation, then a link's page or question ---------------------

  const kept = stored();
  for (const exchange of kept) {
    if (exchange && Array.isArray(exchange.replies)) {
      if (typeof exchange.said === "string" && exchange.said) {
        showSaid(exchange.said);
      }
      showReplies(exchange.replies);
    }
  }
  const query = new URLSearchParams(location.search);
  if (query.has("p") || query.has("q")) {
    // Done once: a reload shows the conversation instead of opening or asking again.
    history.replaceState(null, "", location.pathname + location.hash);
  }
  if (query.has("p")) {
    send({ payload: "p:" + query.get("p") }, null, false);
  } else if (query.has("q")) {
    const question = query.get("q").trim();
    send({ text: question }, question, false);
  } else if (kept.length === 0) {
    send({ command: "start" }, null, false);
  } else {
    conversation.lastElementChild.scrollIntoView({ block: "start" });
  }
})();

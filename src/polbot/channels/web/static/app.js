// The polbot web chat: sends what the user types or clicks to POST /api/chat and shows the
// replies. Plain DOM, no framework, no inline code (the page's CSP forbids it). Every
// Dutch text comes from the page itself (data-* attributes rendered by the server).
"use strict";

(function () {
  const chat = document.getElementById("chat");
  const conversation = document.getElementById("conversation");
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const status = document.getElementById("status");
  const texts = chat.dataset;
  let busy = false;

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

  function safeLink(address) {
    return typeof address === "string" && /^(https?:|mailto:)/i.test(address);
  }

  function spans(parent, list) {
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
      if (span.bold) {
        const strong = document.createElement("strong");
        strong.appendChild(node);
        node = strong;
      }
      parent.appendChild(node);
    }
  }

  function blocks(parent, reply) {
    if (!Array.isArray(reply.blocks)) {
      const p = document.createElement("p");
      p.textContent = reply.text;
      parent.appendChild(p);
      return;
    }
    for (const block of reply.blocks) {
      if (block.type === "list") {
        const ul = document.createElement("ul");
        for (const entry of block.items) {
          const li = document.createElement("li");
          spans(li, entry);
          ul.appendChild(li);
        }
        parent.appendChild(ul);
      } else {
        const p = document.createElement("p");
        spans(p, block.spans);
        parent.appendChild(p);
      }
    }
  }

  function buttons(parent, reply) {
    if (!reply.buttons || reply.buttons.length === 0) {
      return;
    }
    const group = document.createElement("div");
    group.className = "buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", texts.buttonsLabel);
    for (const button of reply.buttons) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.label;
      element.dataset.payload = button.payload;
      element.addEventListener("click", function () {
        send({ payload: button.payload }, button.label, true);
      });
      group.appendChild(element);
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

  function showError(message) {
    const li = item("from-assistant error", texts.assistant);
    li.tabIndex = -1;
    const p = document.createElement("p");
    p.textContent = message;
    li.appendChild(p);
    return li;
  }

  async function send(body, said, moveFocus) {
    if (busy) {
      return;
    }
    busy = true;
    status.hidden = false;
    if (said) {
      const p = document.createElement("p");
      p.textContent = said;
      item("from-user", texts.you).appendChild(p);
    }
    let first;
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json();
      if (response.ok && Array.isArray(data.replies)) {
        first = showReplies(data.replies);
      } else {
        first = showError((data.error && data.error.message) || texts.errorNetwork);
      }
    } catch (error) {
      first = showError(texts.errorNetwork);
    } finally {
      busy = false;
      status.hidden = true;
    }
    if (first) {
      first.scrollIntoView({ block: "start" });
      if (moveFocus) {
        // After a click the old buttons are history: continue from the new reply.
        first.focus();
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) {
      return;
    }
    input.value = "";
    send({ text: text }, text, false);
  });

  send({ command: "start" }, null, false);
})();

// The playground page: a small Slack client for one person at a time (?as=U123 in the URL).
//
// The server holds all the state. The page asks for what this person sees (/ui/state), sends
// what they do (/ui/messages, /ui/actions, /ui/views/...), and refetches whenever the server
// says something changed (server-sent events on /ui/events).
(function () {
  "use strict";

  const M = window.Mrkdwn;
  const query = new URLSearchParams(window.location.search);
  const page = {
    as: query.get("as") || "",
    channel: query.get("channel") || "",
    thread: query.get("thread") || "",
    focusTs: query.get("ts") || "",
    data: null,
    editing: null, // { ts, draft }
    modalValues: {}, // "viewId:blockId" -> value typed or chosen
    signatures: {},
    refreshing: null,
    refreshAgain: false,
    // After the person sends something: where to bring the answer into view, which messages
    // were there before, and until when (ms) an answer counts as theirs.
    awaiting: null, // { pane: "channel" | "thread", seen: Set of ts, until }
    firstLoad: true,
  };

  // How long after sending a new message is still taken for the answer, brought into view.
  const ANSWER_WINDOW_MS = 20000;

  const $ = function (testid) {
    return document.querySelector('[data-testid="' + testid + '"]');
  };

  // ----- small helpers

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(function ([name, value]) {
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "html") {
        node.innerHTML = value;
      } else if (name.startsWith("on")) {
        node.addEventListener(name.slice(2), value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.append(child);
      }
    });
    return node;
  }

  function users() {
    return (page.data && page.data.users) || [];
  }

  function userById(id) {
    return users().find(function (u) { return u.id === id; }) || null;
  }

  function channelById(id) {
    return ((page.data && page.data.channels) || []).find(function (c) { return c.id === id; }) || null;
  }

  const context = {
    userName: function (id) {
      const user = userById(id);
      return user ? user.name : null;
    },
    channelName: function (id) {
      const channel = channelById(id);
      return channel ? channel.name : null;
    },
  };

  function timeOf(ts) {
    const date = new Date(Number(ts.split(".")[0]) * 1000);
    return {
      short: date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }),
      long: date.toLocaleString("en-GB", { dateStyle: "full", timeStyle: "short" }),
    };
  }

  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return w[0].toUpperCase(); }).join("");
  }

  let toastTimer = null;
  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  async function post(path, body) {
    let answer;
    try {
      const response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ as: page.as }, body)),
      });
      answer = await response.json();
    } catch (error) {
      answer = { ok: false, message: "The playground did not answer. Is it still running?" };
    }
    if (answer.ok === false && answer.message) {
      toast(answer.message);
    } else if (answer.notice) {
      toast(answer.notice);
    }
    scheduleRefresh();
    return answer;
  }

  // ----- state

  function syncUrl() {
    const next = new URLSearchParams();
    if (page.as) next.set("as", page.as);
    if (page.channel) next.set("channel", page.channel);
    if (page.thread) next.set("thread", page.thread);
    window.history.replaceState(null, "", "?" + next.toString());
  }

  async function refresh() {
    if (page.refreshing) {
      page.refreshAgain = true;
      return page.refreshing;
    }
    const wanted = new URLSearchParams();
    if (page.as) wanted.set("as", page.as);
    if (page.channel) wanted.set("channel", page.channel);
    if (page.thread) wanted.set("thread", page.thread);
    page.refreshing = (async function () {
      try {
        const response = await fetch("/ui/state?" + wanted.toString(), { cache: "no-store" });
        const data = await response.json();
        if (page.firstLoad && data.view) {
          // A form belongs to the page it was opened in: Slack closes it when the page goes,
          // so one abandoned (error and all) does not come back after a reload.
          page.firstLoad = false;
          post("/ui/views/cancel", { view_id: data.view.id });
          data.view = null;
        }
        page.firstLoad = false;
        page.data = data;
        // A choice made while this was on its way (a channel clicked, a person switched) wins:
        // the refresh that follows fetches it.
        const moved = page.as !== (wanted.get("as") || "") || page.channel !== (wanted.get("channel") || "") || page.thread !== (wanted.get("thread") || "");
        if (moved) {
          page.refreshAgain = true;
        } else {
          page.as = data.me;
          page.channel = data.channel || "";
          if (page.thread && !data.thread) {
            page.thread = "";
          }
        }
        syncUrl();
        render();
      } catch (error) {
        setConnection(false);
      } finally {
        page.refreshing = null;
      }
      if (page.refreshAgain) {
        page.refreshAgain = false;
        await refresh();
      }
    })();
    return page.refreshing;
  }

  let refreshTimer = null;
  function scheduleRefresh() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      refresh();
    }, 25);
  }

  function setConnection(live) {
    const status = $("connection-status");
    status.textContent = live ? "" : "Reconnecting to the playground…";
    status.dataset.live = live ? "true" : "false";
  }

  function listen() {
    const events = new EventSource("/ui/events");
    events.addEventListener("hello", function () {
      setConnection(true);
      scheduleRefresh();
    });
    events.addEventListener("change", scheduleRefresh);
    events.addEventListener("error", function () { setConnection(false); });
  }

  // ----- rendering: only what changed, so typing and focus survive live updates

  function changed(key, value) {
    const signature = JSON.stringify(value);
    if (page.signatures[key] === signature) {
      return false;
    }
    page.signatures[key] = signature;
    return true;
  }

  function render() {
    const data = page.data;
    if (!data) return;
    document.title = data.team.name + " — Slack playground";
    $("workspace-name").textContent = data.team.name;
    if (changed("users", [data.users, data.me])) renderSwitcher();
    if (changed("channels", [data.channels, data.channel])) renderChannels();
    renderJobs();
    if (changed("messages", [data.messages, data.notices, data.me, page.editing && page.editing.ts])) {
      renderTimeline();
    }
    if (changed("thread", [data.thread, data.me, page.editing && page.editing.ts])) renderThread();
    if (changed("view", [data.view, data.me])) renderModal();
  }

  function renderSwitcher() {
    const select = $("user-switcher");
    select.replaceChildren();
    users().filter(function (u) { return !u.is_bot; }).forEach(function (u) {
      const label = u.name + (u.title ? " — " + u.title : "") + (u.is_admin ? " (admin)" : "");
      select.append(el("option", { value: u.id, text: label, selected: u.id === page.data.me }));
    });
  }

  function renderChannels() {
    const list = $("channel-list");
    list.replaceChildren();
    page.data.channels.forEach(function (c) {
      const current = c.id === page.data.channel;
      const anchor = el("a", {
        href: "?as=" + encodeURIComponent(page.as) + "&channel=" + encodeURIComponent(c.id),
        "data-testid": "channel-link-" + c.name,
        "data-channel-id": c.id,
        "aria-current": current ? "page" : null,
        class: "channel-link" + (current ? " current" : ""),
        onclick: function (event) {
          event.preventDefault();
          openChannel(c.id);
        },
      }, [el("span", { class: "hash" + (c.is_private ? " private" : ""), "aria-hidden": "true", text: c.is_private ? "" : "#" }), c.name]);
      if (!c.bot_is_member) {
        anchor.title = page.data.bot.name + " is not in this channel, so it will not hear messages here.";
      }
      list.append(el("li", {}, [anchor]));
    });
    const channel = channelById(page.data.channel);
    $("channel-title").textContent = channel ? "#" + channel.name : "No channels";
    $("channel-topic").textContent = channel ? channel.topic : "";
    $("message-input").setAttribute("aria-label", channel ? "Message #" + channel.name : "Message");
    $("message-input").placeholder = channel ? "Message #" + channel.name + ", or type /outcome …" : "";
  }

  function renderJobs() {
    ["reminders", "digest"].forEach(function (job) {
      const button = $("run-" + job);
      const wired = Boolean(page.data.hooks && page.data.hooks[job]);
      button.disabled = !wired || button.dataset.running === "true";
      button.title = wired ? "" : "Not wired up in this playground";
    });
  }

  function openChannel(id) {
    page.channel = id;
    page.thread = "";
    page.editing = null;
    syncUrl();
    refresh();
  }

  function nearBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  function expectAnswer(pane) {
    const shown = pane === "thread" ? ((page.data && page.data.thread) || { messages: [] }).messages : ((page.data && page.data.messages) || []);
    page.awaiting = {
      pane: pane,
      seen: new Set(shown.map(function (m) { return m.ts; })),
      until: Date.now() + ANSWER_WINDOW_MS,
    };
  }

  // The first message the person has not seen yet, after they sent something into `pane`.
  function newAnswer(list, pane) {
    const awaiting = page.awaiting;
    if (!awaiting || awaiting.pane !== pane) return null;
    if (Date.now() > awaiting.until) {
      page.awaiting = null;
      return null;
    }
    const fresh = Array.from(list.querySelectorAll('[data-testid="message"], [data-testid="notice"]')).filter(function (node) {
      return !awaiting.seen.has(node.dataset.ts);
    });
    fresh.forEach(function (node) { awaiting.seen.add(node.dataset.ts); });
    return fresh.length ? fresh[0] : null;
  }

  // Show `node` whole if it fits, else its top: a long card is read from its title down.
  function reveal(list, node) {
    const listBox = list.getBoundingClientRect();
    const box = node.getBoundingClientRect();
    const top = list.scrollTop + (box.top - listBox.top);
    if (box.height > list.clientHeight) {
      list.scrollTop = top;
    } else if (box.bottom > listBox.bottom || box.top < listBox.top) {
      list.scrollTop = top + box.height - list.clientHeight;
    }
  }

  function renderTimeline() {
    const list = $("message-list");
    const stick = nearBottom(list) || list.childElementCount === 0;
    const kept = list.scrollTop;
    list.replaceChildren();
    const items = page.data.messages.map(function (m) { return { ts: m.ts, node: messageNode(m, false) }; });
    page.data.notices.forEach(function (n) {
      items.push({
        ts: n.ts,
        node: el("li", { class: "notice", "data-testid": "notice", "data-ts": n.ts }, [
          el("span", { class: "mark caution", role: "img", "aria-label": "warning" }),
          el("span", { text: n.text }),
          el("span", { class: "only-you", text: "Only visible to you" }),
        ]),
      });
    });
    items.sort(function (a, b) { return Number(a.ts) - Number(b.ts); });
    if (!items.length) {
      list.append(el("li", { class: "empty", text: "No messages yet. Say hello, or try a slash command." }));
    }
    items.forEach(function (item) { list.append(item.node); });
    if (page.focusTs) {
      const target = list.querySelector('[data-ts="' + CSS.escape(page.focusTs) + '"]');
      if (target) {
        target.classList.add("focused");
        target.scrollIntoView({ block: "center" });
        page.focusTs = "";
        return;
      }
    }
    const answer = newAnswer(list, "channel");
    if (answer) {
      list.scrollTop = list.scrollHeight;
      reveal(list, answer);
    } else if (stick) {
      list.scrollTop = list.scrollHeight;
    } else {
      // Redrawn (a reply counted, a thread opened): the channel stays where the person was.
      list.scrollTop = kept;
    }
    restoreEditFocus(list);
  }

  function renderThread() {
    const pane = $("thread-pane");
    const thread = page.data.thread;
    const channelList = $("message-list");
    const wasAtBottom = nearBottom(channelList);
    pane.hidden = !thread;
    document.querySelector(".app").classList.toggle("with-thread", Boolean(thread));
    // The channel narrows or widens: keep in view what the person was looking at.
    const anchor = thread && channelList.querySelector('[data-ts="' + CSS.escape(thread.ts) + '"]');
    if (wasAtBottom) {
      channelList.scrollTop = channelList.scrollHeight;
    } else if (anchor) {
      reveal(channelList, anchor);
    }
    const list = $("thread-messages");
    list.replaceChildren();
    if (!thread) return;
    thread.messages.forEach(function (m) { list.append(messageNode(m, true)); });
    list.scrollTop = list.scrollHeight;
    const answer = newAnswer(list, "thread");
    if (answer) reveal(list, answer);
    restoreEditFocus(list);
  }

  function restoreEditFocus(list) {
    const editor = list.querySelector('[data-testid="edit-input"]');
    if (editor) {
      editor.focus();
      editor.setSelectionRange(editor.value.length, editor.value.length);
    }
  }

  function authorOf(m) {
    if (m.subtype === "tombstone") return { name: "", isBot: false };
    const user = userById(m.user);
    if (m.bot_id) {
      return { name: (m.bot_profile && m.bot_profile.name) || (user && user.name) || "App", isBot: true };
    }
    return { name: user ? user.name : m.user, isBot: Boolean(user && user.is_bot) };
  }

  function messageNode(m, inThread) {
    const author = authorOf(m);
    const when = timeOf(m.ts);
    const node = el("li", {
      class: "message" + (m.is_ephemeral ? " ephemeral" : "") + (m.subtype ? " subtype-" + m.subtype : ""),
      "data-testid": "message",
      "data-ts": m.ts,
      "data-user": m.user,
      "data-ephemeral": m.is_ephemeral ? "true" : null,
      "aria-label": (author.name || "Deleted message") + " at " + when.short,
    });
    node.append(el("div", { class: "avatar" + (author.isBot ? " bot" : ""), "aria-hidden": "true", text: initials(author.name || "?") }));
    const body = el("div", { class: "message-body" });
    const header = el("div", { class: "message-header" }, [
      el("span", { class: "author", "data-testid": "message-author", text: author.name }),
      author.isBot ? el("span", { class: "app-badge", text: "APP" }) : null,
      el("time", { class: "time", title: when.long, datetime: new Date(Number(m.ts.split(".")[0]) * 1000).toISOString(), text: when.short }),
      m.edited ? el("span", { class: "edited", "data-testid": "edited-label", text: "(edited)" }) : null,
    ]);
    body.append(header);
    if (m.is_ephemeral) {
      body.append(el("div", { class: "only-you", "data-testid": "ephemeral-label", text: "Only visible to you" }));
    }
    if (m.subtype === "thread_broadcast" && !inThread) {
      body.append(el("div", { class: "broadcast", text: "replied to a thread" }));
    }
    if (page.editing && page.editing.ts === m.ts) {
      body.append(editorNode(m));
    } else {
      body.append(contentNode(m));
    }
    if (m.files && m.files.length) {
      body.append(filesNode(m.files));
    }
    if (m.reactions && m.reactions.length) {
      body.append(reactionsNode(m.reactions));
    }
    if (!inThread && m.reply_count) {
      const label = m.reply_count === 1 ? "1 reply" : m.reply_count + " replies";
      body.append(el("button", {
        type: "button",
        class: "replies",
        "data-testid": "thread-link",
        "aria-label": label + ", open thread",
        text: label,
        onclick: function () { openThread(m.thread_ts || m.ts); },
      }));
    }
    if (canReplyInThread(m, inThread)) {
      body.append(el("button", {
        type: "button",
        class: "reply-in-thread",
        "data-testid": "reply-in-thread",
        text: "Reply in thread",
        onclick: function () { openThread(m.thread_ts || m.ts); },
      }));
    }
    node.append(body);
    node.append(messageMenu(m, inThread));
    return node;
  }

  function canReplyInThread(m, inThread) {
    return !inThread && !m.is_ephemeral && m.subtype !== "tombstone" && m.subtype !== "channel_join";
  }

  function messageMenu(m, inThread) {
    const menu = el("div", { class: "message-menu" });
    if (m.is_own && m.subtype !== "tombstone") {
      menu.append(el("button", {
        type: "button",
        class: "icon",
        "data-testid": "edit-message",
        "aria-label": "Edit message",
        title: "Edit message",
        text: "Edit",
        onclick: function () {
          page.editing = { ts: m.ts, channel: page.channel, draft: M.decodeSlack(m.text) };
          render();
        },
      }));
      menu.append(el("button", {
        type: "button",
        class: "icon",
        "data-testid": "delete-message",
        "aria-label": "Delete message",
        title: "Delete message",
        text: "Delete",
        onclick: function () {
          if (window.confirm("Delete this message? This cannot be undone.")) {
            post("/ui/messages/delete", { channel: page.channel, ts: m.ts });
          }
        },
      }));
    }
    return menu;
  }

  function editorNode(m) {
    const input = el("textarea", {
      class: "edit-input",
      "data-testid": "edit-input",
      "aria-label": "Edit message",
      rows: "2",
    });
    input.value = page.editing.draft;
    input.addEventListener("input", function () { page.editing.draft = input.value; });
    const save = async function () {
      const text = input.value;
      const editing = page.editing;
      page.editing = null;
      await post("/ui/messages/edit", { channel: editing.channel, ts: m.ts, text: text });
    };
    const cancel = function () {
      page.editing = null;
      render();
    };
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        save();
      } else if (event.key === "Escape") {
        cancel();
      }
    });
    return el("div", { class: "editor" }, [
      input,
      el("div", { class: "editor-buttons" }, [
        el("button", { type: "button", "data-testid": "edit-cancel", text: "Cancel", onclick: cancel }),
        el("button", { type: "button", class: "primary", "data-testid": "edit-save", text: "Save", onclick: save }),
      ]),
    ]);
  }

  function contentNode(m) {
    const onlyRichText = !m.blocks || m.blocks.every(function (b) { return b.type === "rich_text"; });
    const content = el("div", { class: "message-content", "data-testid": "message-content" });
    if (m.subtype === "channel_join") {
      content.classList.add("system");
    }
    if (onlyRichText) {
      if (m.text) content.append(el("div", { class: "mrkdwn", html: M.mrkdwn(m.text, context) }));
    } else {
      content.append(blocksNode(m.blocks, { message: m }));
    }
    (m.attachments || []).forEach(function (a) { content.append(attachmentNode(a)); });
    return content;
  }

  function attachmentNode(a) {
    const node = el("div", { class: "attachment", style: a.color ? "border-left-color:" + safeColour(a.color) : null });
    if (a.pretext) node.append(el("div", { class: "mrkdwn", html: M.mrkdwn(a.pretext, context) }));
    if (a.title) node.append(el("div", { class: "attachment-title", text: a.title }));
    if (a.text) node.append(el("div", { class: "mrkdwn", html: M.mrkdwn(a.text, context) }));
    if (a.blocks) node.append(blocksNode(a.blocks, {}));
    if (!a.text && !a.blocks && a.fallback) node.append(el("div", { text: a.fallback }));
    return node;
  }

  function safeColour(colour) {
    const named = { good: "#2eb67d", warning: "#ecb22e", danger: "#e01e5a" };
    if (named[colour]) return named[colour];
    return /^#?[0-9a-f]{3,6}$/i.test(colour) ? (colour[0] === "#" ? colour : "#" + colour) : "#ddd";
  }

  // ----- Block Kit

  function blocksNode(blocks, where) {
    const wrapper = el("div", { class: "blocks" });
    (blocks || []).forEach(function (block) {
      wrapper.append(blockNode(block, where));
    });
    return wrapper;
  }

  function textNode(object, tag, attributes) {
    return el(tag || "div", Object.assign({ class: object && object.type === "mrkdwn" ? "mrkdwn" : "plain", html: M.textObject(object, context) }, attributes || {}));
  }

  function blockNode(block, where) {
    const attributes = { class: "block block-" + block.type, "data-block-id": block.block_id || null, "data-block-type": block.type };
    switch (block.type) {
      case "header":
        return el("h3", Object.assign(attributes, { html: M.textObject(block.text, context) }));
      case "section": {
        const node = el("div", attributes);
        const main = el("div", { class: "section-main" });
        if (block.text) main.append(textNode(block.text));
        if (block.fields) {
          main.append(el("div", { class: "fields" }, block.fields.map(function (f) { return textNode(f); })));
        }
        node.append(main);
        if (block.accessory) node.append(elementNode(block.accessory, block, where));
        return node;
      }
      case "context":
        return el("div", attributes, (block.elements || []).map(function (e) {
          if (e.type === "image") {
            return el("img", { class: "context-image", src: e.image_url, alt: e.alt_text || "" });
          }
          return textNode(e, "span");
        }));
      case "divider":
        return el("hr", attributes);
      case "image":
        return el("figure", attributes, [
          el("img", { src: imageUrl(block), alt: block.alt_text || "", "data-testid": "block-image" }),
          block.title ? el("figcaption", { html: M.textObject(block.title, context) }) : null,
        ]);
      case "actions":
        return el("div", attributes, (block.elements || []).map(function (e) { return elementNode(e, block, where); }));
      case "rich_text":
        return el("div", Object.assign(attributes, { html: richText(block.elements || []) }));
      case "markdown":
        return el("div", Object.assign(attributes, { class: attributes.class + " mrkdwn", html: M.mrkdwn(block.text || "", context) }));
      case "table":
        return tableNode(block, attributes);
      case "input":
        return inputBlockNode(block, where);
      default:
        return el("div", Object.assign(attributes, { class: "block block-unknown", text: "(a " + block.type + " block, which the playground does not draw)" }));
    }
  }

  function imageUrl(block) {
    if (block.image_url) return block.image_url;
    if (block.slack_file && block.slack_file.url) return block.slack_file.url;
    if (block.slack_file && block.slack_file.id) return "/files/" + encodeURIComponent(block.slack_file.id);
    return "";
  }

  function tableNode(block, attributes) {
    const table = el("table", attributes);
    (block.rows || []).forEach(function (row, index) {
      const tr = el("tr");
      row.forEach(function (cell) {
        const tag = index === 0 ? "th" : "td";
        if (cell.type === "rich_text") {
          tr.append(el(tag, { html: richText(cell.elements || []) }));
        } else {
          tr.append(el(tag, { text: cell.text === undefined ? "" : String(cell.text) }));
        }
      });
      table.append(tr);
    });
    return el("div", { class: "table-wrap" }, [table]);
  }

  function richText(elements) {
    return elements.map(function (e) {
      switch (e.type) {
        case "rich_text_section":
          return "<div>" + richInline(e.elements || []) + "</div>";
        case "rich_text_preformatted":
          return "<pre><code>" + richInline(e.elements || []) + "</code></pre>";
        case "rich_text_quote":
          return "<blockquote>" + richInline(e.elements || []) + "</blockquote>";
        case "rich_text_list": {
          const tag = e.style === "ordered" ? "ol" : "ul";
          return "<" + tag + ">" + (e.elements || []).map(function (item) {
            return "<li>" + richInline(item.elements || []) + "</li>";
          }).join("") + "</" + tag + ">";
        }
        default:
          return "";
      }
    }).join("");
  }

  function richInline(elements) {
    return elements.map(function (e) {
      let html;
      if (e.type === "text") {
        html = M.escapeHtml(e.text || "").replace(/\n/g, "<br>");
      } else if (e.type === "link") {
        const href = M.safeHref(e.url || "");
        html = href ? '<a href="' + M.escapeHtml(href) + '" target="_blank" rel="noopener noreferrer">' + M.escapeHtml(e.text || e.url) + "</a>" : M.escapeHtml(e.text || e.url || "");
      } else if (e.type === "user") {
        html = '<span class="mention">@' + M.escapeHtml(context.userName(e.user_id) || e.user_id) + "</span>";
      } else if (e.type === "channel") {
        html = '<span class="mention">#' + M.escapeHtml(context.channelName(e.channel_id) || e.channel_id) + "</span>";
      } else if (e.type === "emoji") {
        html = M.withMarks(M.escapeHtml(e.unicode ? String.fromCodePoint.apply(null, e.unicode.split("-").map(function (h) { return parseInt(h, 16); })) : (M.emojiGlyph(e.name) || ":" + e.name + ":")));
      } else {
        html = "";
      }
      const style = e.style || {};
      if (style.code) html = "<code>" + html + "</code>";
      if (style.bold) html = "<strong>" + html + "</strong>";
      if (style.italic) html = "<em>" + html + "</em>";
      if (style.strike) html = "<del>" + html + "</del>";
      return html;
    }).join("");
  }

  function elementNode(element, block, where) {
    if (element.type === "button") {
      return el("button", {
        type: "button",
        class: "block-button" + (element.style ? " " + element.style : ""),
        "data-testid": "block-button",
        "data-action-id": element.action_id,
        "data-block-id": block.block_id,
        "data-value": element.value === undefined ? null : element.value,
        html: M.textObject(element.text, context),
        onclick: function () {
          if (element.url && M.safeHref(element.url)) {
            window.open(element.url, "_blank", "noopener");
          }
          sendAction(where, block, element, null);
        },
      });
    }
    if (element.type === "static_select" || element.type === "overflow") {
      const select = el("select", {
        class: "block-select",
        "data-testid": "block-select",
        "data-action-id": element.action_id,
        "data-block-id": block.block_id,
        "aria-label": element.placeholder ? element.placeholder.text : "Choose an option",
      });
      select.append(el("option", { value: "", text: element.type === "overflow" ? "⋯" : (element.placeholder ? element.placeholder.text : "Choose…") }));
      optionsOf(element).forEach(function (option) {
        const selected = element.initial_option && element.initial_option.value === option.value;
        select.append(el("option", { value: option.value, text: option.text.text, selected: selected }));
      });
      select.addEventListener("change", function () {
        if (select.value) sendAction(where, block, element, select.value);
      });
      return select;
    }
    if (element.type === "image") {
      return el("img", { class: "accessory-image", src: element.image_url, alt: element.alt_text || "" });
    }
    return el("span", { class: "block-unknown", text: "(a " + element.type + ", which the playground does not draw)" });
  }

  function optionsOf(element) {
    const options = (element.options || []).slice();
    (element.option_groups || []).forEach(function (group) {
      (group.options || []).forEach(function (option) { options.push(option); });
    });
    return options;
  }

  function sendAction(where, block, element, value) {
    const body = { action_id: element.action_id, block_id: block.block_id, value: value };
    if (where.view) {
      body.view_id = where.view.id;
    } else if (where.message) {
      body.channel = where.message.channel || page.channel;
      body.message_ts = where.message.ts;
      expectAnswer(where.message.thread_ts && where.message.thread_ts !== where.message.ts && page.thread ? "thread" : "channel");
    } else {
      return;
    }
    post("/ui/actions", body);
  }

  // ----- files and reactions

  function filesNode(files) {
    return el("div", { class: "files" }, files.map(function (f) {
      const url = "/files/" + encodeURIComponent(f.id) + "/" + encodeURIComponent(f.name);
      if ((f.mimetype || "").startsWith("image/")) {
        return el("figure", { class: "file image-file" }, [
          el("img", { src: url, alt: f.alt_txt || f.title || f.name, "data-testid": "message-file-image", "data-file-id": f.id }),
          el("figcaption", {}, [el("a", { href: url, target: "_blank", rel: "noopener", text: f.title || f.name })]),
        ]);
      }
      return el("a", {
        class: "file",
        href: url + "?download=1",
        "data-testid": "message-file",
        "data-file-id": f.id,
        text: f.title || f.name,
      });
    }));
  }

  function reactionsNode(reactions) {
    return el("ul", { class: "reactions", "aria-label": "Reactions" }, reactions.map(function (r) {
      const glyph = M.emojiGlyph(r.name);
      const names = r.users.map(function (id) { return context.userName(id) || id; }).join(", ");
      return el("li", {
        class: "reaction",
        "data-testid": "reaction",
        "data-name": r.name,
        title: names + " reacted with :" + r.name + ":",
        "aria-label": r.name + ": " + r.count,
      }, [
        el("span", { class: "glyph", html: glyph ? M.emojiHtml(r.name, glyph) : M.escapeHtml(":" + r.name + ":") }),
        el("span", { class: "count", text: String(r.count) }),
      ]);
    }));
  }

  // ----- threads

  function openThread(ts) {
    page.thread = ts;
    syncUrl();
    refresh().then(function () { $("thread-reply-input").focus(); });
  }

  // ----- modals

  function modalKey(view, blockId) {
    return view.id + ":" + blockId;
  }

  function renderModal() {
    const backdrop = $("modal-backdrop");
    const modal = $("modal");
    const view = page.data.view;
    if (!view) {
      backdrop.hidden = true;
      modal.replaceChildren();
      modal.removeAttribute("data-view-id");
      return;
    }
    const active = document.activeElement && modal.contains(document.activeElement) ? document.activeElement.getAttribute("data-testid") : null;
    backdrop.hidden = false;
    modal.replaceChildren();
    modal.setAttribute("data-view-id", view.id);
    modal.setAttribute("data-callback-id", view.callback_id || "");
    const errors = view.errors || {};
    const form = el("form", { class: "modal-form", "data-testid": "modal-form", novalidate: true });
    form.append(el("header", { class: "modal-header" }, [
      el("h2", { id: "modal-title", "data-testid": "modal-title", html: M.textObject(view.title, context) }),
      el("button", { type: "button", class: "icon", "data-testid": "modal-close", "aria-label": "Close", text: "×", onclick: function () { cancelModal(view); } }),
    ]));
    const bodyNode = el("div", { class: "modal-body" });
    if (errors[""]) {
      bodyNode.append(el("p", { class: "modal-problem", role: "alert", "data-testid": "modal-error", text: errors[""] }));
    }
    bodyNode.append(blocksNode(view.blocks || [], { view: view, errors: errors }));
    form.append(bodyNode);
    const footer = el("footer", { class: "modal-footer" }, [
      el("button", { type: "button", "data-testid": "modal-cancel", text: (view.close && view.close.text) || "Cancel", onclick: function () { cancelModal(view); } }),
    ]);
    if (view.submit) {
      footer.append(el("button", { type: "submit", class: "primary", "data-testid": "modal-submit", text: view.submit.text }));
    }
    form.append(footer);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitModal(view, form);
    });
    modal.append(form);
    const focusTarget = (active && modal.querySelector('[data-testid="' + active + '"]')) ||
      modal.querySelector('[aria-invalid="true"]') || modal.querySelector("input, textarea, select");
    if (focusTarget) focusTarget.focus();
  }

  function inputBlockNode(block, where) {
    const view = where.view;
    const element = block.element || {};
    const id = "input-" + block.block_id;
    const errorId = "error-" + block.block_id;
    const error = where.errors && where.errors[block.block_id];
    const key = view ? modalKey(view, block.block_id) : block.block_id;
    const common = {
      id: id,
      name: block.block_id,
      "data-testid": "modal-input-" + block.block_id,
      "data-action-id": element.action_id,
      "aria-invalid": error ? "true" : null,
      "aria-describedby": error ? errorId : null,
      "aria-required": block.optional ? null : "true",
    };
    let control;
    let remembered = Object.prototype.hasOwnProperty.call(page.modalValues, key) ? page.modalValues[key] : undefined;
    if (element.type === "static_select") {
      control = el("select", common);
      control.append(el("option", { value: "", text: element.placeholder ? element.placeholder.text : "Choose an option" }));
      optionsOf(element).forEach(function (option) {
        control.append(el("option", { value: option.value, text: option.text.text }));
      });
      if (remembered === undefined && element.initial_option) remembered = element.initial_option.value;
    } else if (element.type === "plain_text_input" && element.multiline) {
      control = el("textarea", Object.assign({ rows: "4", placeholder: element.placeholder ? element.placeholder.text : null }, common));
      if (remembered === undefined) remembered = element.initial_value;
    } else {
      const type = { number_input: "number", datepicker: "date", timepicker: "time", email_text_input: "email", url_text_input: "url" }[element.type] || "text";
      control = el("input", Object.assign({
        type: type,
        step: element.type === "number_input" ? (element.is_decimal_allowed ? "any" : "1") : null,
        placeholder: element.placeholder ? element.placeholder.text : null,
      }, common));
      if (remembered === undefined) {
        remembered = element.initial_value || element.initial_date || element.initial_time;
      }
    }
    if (remembered !== undefined && remembered !== null) control.value = remembered;
    const rememberValue = function () { page.modalValues[key] = control.value; };
    control.addEventListener("input", rememberValue);
    control.addEventListener("change", rememberValue);
    return el("div", { class: "input-block" + (error ? " has-error" : ""), "data-testid": "modal-input-block", "data-block-id": block.block_id }, [
      el("label", { for: id }, [
        el("span", { html: M.textObject(block.label, context) }),
        block.optional ? el("span", { class: "optional", text: " (optional)" }) : null,
      ]),
      control,
      block.hint ? el("p", { class: "hint", html: M.textObject(block.hint, context) }) : null,
      error ? el("p", { class: "input-error", id: errorId, role: "alert", "data-testid": "modal-error-" + block.block_id, text: error }) : null,
    ]);
  }

  async function submitModal(view, form) {
    const values = {};
    form.querySelectorAll("[name]").forEach(function (control) {
      values[control.name] = control.value;
    });
    const submit = form.querySelector('[data-testid="modal-submit"]');
    if (submit) submit.disabled = true;
    const answer = await post("/ui/views/submit", { view_id: view.id, values: values });
    if (submit) submit.disabled = false;
    if (answer.ok !== false && !Object.keys(answer.errors || {}).length) {
      forgetModal(view);
    }
  }

  async function cancelModal(view) {
    await post("/ui/views/cancel", { view_id: view.id });
    forgetModal(view);
  }

  function forgetModal(view) {
    Object.keys(page.modalValues).forEach(function (key) {
      if (key.startsWith(view.id + ":")) delete page.modalValues[key];
    });
  }

  // ----- sending

  function wireComposer(form, input, threadTs) {
    const send = async function () {
      const text = input.value;
      if (!text.trim()) return;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      expectAnswer(threadTs() ? "thread" : "channel");
      const answer = await post("/ui/messages", { channel: page.channel, text: text, thread_ts: threadTs() });
      button.disabled = false;
      if (answer.ok !== false || answer.notice) {
        input.value = "";
      }
      input.focus();
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
  }

  function wireJobs() {
    $("jobs").addEventListener("submit", function (event) { event.preventDefault(); });
    ["reminders", "digest"].forEach(function (job) {
      const button = $("run-" + job);
      button.addEventListener("click", async function () {
        const result = $("run-result");
        button.dataset.running = "true";
        button.disabled = true;
        result.className = "";
        result.textContent = job === "digest" ? "Running the digest…" : "Running reminders…";
        const asOf = $("run-as-of").value || null;
        const answer = await post("/ui/run/" + job, { as_of: asOf });
        button.dataset.running = "false";
        renderJobs();
        result.className = answer.ok ? "ok" : "error";
        result.setAttribute("data-outcome", answer.ok ? "ok" : "error");
        result.textContent = answer.ok ? answer.summary : (answer.error || answer.message || "That did not work.");
      });
    });
  }

  function start() {
    wireComposer($("composer"), $("message-input"), function () { return null; });
    wireComposer($("thread-composer"), $("thread-reply-input"), function () { return page.thread || null; });
    wireJobs();
    $("user-switcher").addEventListener("change", function (event) {
      if (page.data && page.data.view) {
        // Slack closes a form when its person leaves; it does not wait for them to come back.
        post("/ui/views/cancel", { view_id: page.data.view.id });
        forgetModal(page.data.view);
      }
      page.as = event.target.value;
      page.thread = "";
      page.editing = null;
      syncUrl();
      refresh();
    });
    $("thread-close").addEventListener("click", function () {
      page.thread = "";
      syncUrl();
      refresh();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && page.data && page.data.view && !$("modal-backdrop").hidden) {
        cancelModal(page.data.view);
      }
    });
    setConnection(true);
    listen();
    refresh();
  }

  start();
})();

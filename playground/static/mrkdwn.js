// Slack's mrkdwn and plain_text, turned into safe HTML.
//
// Slack text arrives with &amp; &lt; &gt; already escaped and uses <...> for mentions and
// links. Everything is decoded and escaped again here, so nothing a bot or a person types can
// become markup. Loaded by the page, and by Node in the playground's tests.
(function (root) {
  "use strict";

  const EMOJI = {
    white_check_mark: "✅",
    heavy_check_mark: "✔️",
    x: "❌",
    warning: "⚠️",
    tada: "🎉",
    eyes: "👀",
    "+1": "👍",
    thumbsup: "👍",
    "-1": "👎",
    thumbsdown: "👎",
    wave: "👋",
    pray: "🙏",
    clap: "👏",
    fire: "🔥",
    star: "⭐",
    rocket: "🚀",
    memo: "📝",
    pushpin: "📌",
    calendar: "📅",
    date: "📅",
    spiral_calendar_pad: "🗓️",
    bell: "🔔",
    alarm_clock: "⏰",
    hourglass: "⌛",
    hourglass_flowing_sand: "⏳",
    bar_chart: "📊",
    chart_with_upwards_trend: "📈",
    chart_with_downwards_trend: "📉",
    arrow_up: "⬆️",
    arrow_down: "⬇️",
    arrow_right: "➡️",
    arrow_upper_right: "↗️",
    arrow_lower_right: "↘️",
    small_red_triangle: "🔺",
    small_red_triangle_down: "🔻",
    red_circle: "🔴",
    large_green_circle: "🟢",
    large_yellow_circle: "🟡",
    large_orange_circle: "🟠",
    large_blue_circle: "🔵",
    white_circle: "⚪",
    black_circle: "⚫",
    heavy_minus_sign: "➖",
    question: "❓",
    grey_question: "❔",
    exclamation: "❗",
    information_source: "ℹ️",
    rotating_light: "🚨",
    no_entry: "⛔",
    construction: "🚧",
    bulb: "💡",
    link: "🔗",
    mag: "🔍",
    speech_balloon: "💬",
    thread: "🧵",
    house: "🏠",
    school: "🏫",
    hospital: "🏥",
    seedling: "🌱",
    earth_africa: "🌍",
    handshake: "🤝",
    raised_hands: "🙌",
    slightly_smiling_face: "🙂",
    smile: "😄",
    thinking_face: "🤔",
  };

  // Status marks drawn with CSS, not an emoji font, which many machines (Debian's headless
  // Chromium among them) do not have: an emoji shows there as an empty box.
  const MARKS = {
    "🟢": ["dot good", "green"],
    "🟡": ["dot warning", "yellow"],
    "🟠": ["dot warning", "amber"],
    "🔴": ["dot bad", "red"],
    "⚪": ["dot neutral", "grey"],
    "⚫": ["dot dark", "black"],
    "🔵": ["dot info", "blue"],
    "✅": ["tick", "done"],
    "✔": ["tick", "done"],
    "❌": ["cross", "no"],
    "⚠": ["caution", "warning"],
  };
  const MARK_PATTERN = new RegExp("(" + Object.keys(MARKS).join("|") + ")\uFE0F?", "gu");

  function markHtml(glyph) {
    const [kind, label] = MARKS[glyph];
    return '<span class="mark ' + kind + '" role="img" aria-label="' + label + '" data-mark="' + label + '"></span>';
  }

  // For HTML made here: every status emoji becomes its drawn mark.
  function withMarks(html) {
    return html.replace(MARK_PATTERN, function (whole, glyph) { return markHtml(glyph); });
  }

  const PLACEHOLDER = "\u0000";

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // Slack escapes only these three; decode them before escaping everything for HTML.
  function decodeSlack(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function emojiGlyph(name) {
    return Object.prototype.hasOwnProperty.call(EMOJI, name) ? EMOJI[name] : null;
  }

  function emojiHtml(name, glyph) {
    const bare = glyph.replace(/\uFE0F/g, "");
    if (Object.prototype.hasOwnProperty.call(MARKS, bare)) {
      return markHtml(bare);
    }
    return '<span class="emoji" title=":' + escapeHtml(name) + ':">' + glyph + "</span>";
  }

  // For text that is already escaped and has no markup of its own.
  function withEmoji(escaped) {
    return escaped.replace(/:([a-z0-9_+\-]+):/g, function (whole, name) {
      const glyph = emojiGlyph(name);
      return glyph === null ? whole : emojiHtml(name, glyph);
    });
  }

  function safeHref(url) {
    return /^(https?:|mailto:|\/)/i.test(url) ? url : null;
  }

  function link(url, label) {
    const href = safeHref(url);
    if (href === null) {
      return escapeHtml(label || url);
    }
    return (
      '<a href="' + escapeHtml(href) + '" target="_blank" rel="noopener noreferrer">' +
      escapeHtml(label || url) + "</a>"
    );
  }

  function angle(inner, context) {
    const bar = inner.indexOf("|");
    const target = decodeSlack(bar === -1 ? inner : inner.slice(0, bar));
    const label = bar === -1 ? "" : decodeSlack(inner.slice(bar + 1));
    if (target.startsWith("@")) {
      const name = label || context.userName(target.slice(1)) || target.slice(1);
      return '<span class="mention" data-user="' + escapeHtml(target.slice(1)) + '">@' + escapeHtml(name) + "</span>";
    }
    if (target.startsWith("#")) {
      const name = label || context.channelName(target.slice(1)) || target.slice(1);
      return '<span class="mention channel-mention">#' + escapeHtml(name) + "</span>";
    }
    if (target.startsWith("!")) {
      const command = target.slice(1).split("^")[0];
      if (command === "here" || command === "channel" || command === "everyone") {
        return '<span class="mention">@' + escapeHtml(command) + "</span>";
      }
      return '<span class="mention">' + escapeHtml(label || command) + "</span>";
    }
    return link(target, label);
  }

  function formatting(escaped) {
    return escaped
      .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])/g, "$1<strong>$2</strong>")
      .replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?![\w_])/g, "$1<em>$2</em>")
      .replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?![\w~])/g, "$1<del>$2</del>");
  }

  function quotes(html) {
    const out = [];
    let quoted = [];
    const flush = function () {
      if (quoted.length) {
        out.push("<blockquote>" + quoted.join("<br>") + "</blockquote>");
        quoted = [];
      }
    };
    html.split("\n").forEach(function (line) {
      if (line.startsWith("&gt; ") || line === "&gt;") {
        quoted.push(line.replace(/^&gt; ?/, ""));
      } else {
        flush();
        out.push(line);
      }
    });
    flush();
    return out.join("\n").replace(/\n/g, "<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  }

  function mrkdwn(text, context) {
    context = context || {};
    context.userName = context.userName || function () { return null; };
    context.channelName = context.channelName || function () { return null; };
    const saved = [];
    const keep = function (html) {
      saved.push(html);
      return PLACEHOLDER + (saved.length - 1) + PLACEHOLDER;
    };
    let work = String(text || "").split(PLACEHOLDER).join("");
    work = work.replace(/```\n?([\s\S]*?)```/g, function (whole, code) {
      return keep("<pre><code>" + escapeHtml(decodeSlack(code)) + "</code></pre>");
    });
    work = work.replace(/`([^`\n]+)`/g, function (whole, code) {
      return keep("<code>" + escapeHtml(decodeSlack(code)) + "</code>");
    });
    work = work.replace(/<([^<>\n]+)>/g, function (whole, inner) {
      return keep(angle(inner, context));
    });
    work = work.replace(/:([a-z0-9_+\-]+):/g, function (whole, name) {
      const glyph = emojiGlyph(name);
      return glyph === null ? whole : keep(emojiHtml(name, glyph));
    });
    const html = withMarks(quotes(formatting(escapeHtml(decodeSlack(work)))));
    const restore = new RegExp(PLACEHOLDER + "(\\d+)" + PLACEHOLDER, "g");
    return html.replace(restore, function (whole, index) {
      return saved[Number(index)];
    });
  }

  function plainText(text, emoji) {
    const escaped = withMarks(escapeHtml(String(text || "")).replace(/\n/g, "<br>"));
    return emoji === false ? escaped : withEmoji(escaped);
  }

  // A Block Kit text object: { type: "mrkdwn" | "plain_text", text, emoji? }.
  function textObject(object, context) {
    if (!object || typeof object.text !== "string") {
      return "";
    }
    return object.type === "mrkdwn" ? mrkdwn(object.text, context) : plainText(object.text, object.emoji);
  }

  const api = {
    escapeHtml: escapeHtml,
    decodeSlack: decodeSlack,
    emojiGlyph: emojiGlyph,
    emojiHtml: emojiHtml,
    withMarks: withMarks,
    mrkdwn: mrkdwn,
    plainText: plainText,
    textObject: textObject,
    safeHref: safeHref,
  };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.Mrkdwn = api;
  }
})(typeof self !== "undefined" ? self : this);

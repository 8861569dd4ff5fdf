"""What people type about delivery plans: an update (`delayed — contractor changed, new date
March`), a new action (`TITLE due March 2027 owner @Priya lead Luton Council`), an owner, and an
action's number (`12.3`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from commands.domain.dates import DateError, parse_day
from commands.errors import UserError
from commands.numbers import is_whole
from commands.plans.states import STATES_TYPED, TYPED_STATES
from commands.presentation.replies import MENTION_PATTERN, TYPED_MENTION_PATTERN
from storage.plan_models import ActionState

# Longer than this, an update is not "one line": it belongs in a document, linked from here.
MAX_LINE = 1000
MAX_TITLE = 300

# Short replies that are conversation, not an update.
_CHAT = {
    "thanks", "thank you", "ta", "ok", "okay", "cheers", "noted", "sure", "great", "yes", "no",
    "hi", "hello", "thx", "np", "+1", "👍", "🙏", "✅", "will do",
}  # fmt: skip

_SEPARATORS = " —–-:;,."


@dataclass(frozen=True)
class UpdateText:
    """An update as typed: the state it names first (None: the state stays), and the line."""

    state: ActionState | None
    line: str


def read_update(text: str) -> UpdateText | None:
    """The update a reply gives, or None for chat (`thanks`, `ok`). A reply that names no
    state is an update that keeps the state."""
    line = " ".join(text.split())
    if not line:
        return None
    lowered = line.lower()
    for typed, state in TYPED_STATES:
        if lowered.startswith(typed) and not lowered[len(typed) : len(typed) + 1].isalnum():
            return UpdateText(state, line[len(typed) :].lstrip(_SEPARATORS))
    if lowered.strip(".,!") in _CHAT:
        return None
    return UpdateText(None, line)


def check_line(line: str) -> str:
    line = " ".join(line.split())
    if len(line) > MAX_LINE:
        raise UserError(
            f"That update is {len(line):,} characters long; one line of at most {MAX_LINE:,} "
            "is kept with the action. Shorten it, or link to a document with the detail."
        )
    return line


def parse_ref(text: str) -> tuple[int, int]:
    """`12.3` as (outcome 12, action 3)."""
    match = re.fullmatch(r"#?(\d{1,6})\.(\d{1,4})", text.strip())
    if match is None:
        raise UserError(
            f"'{text.strip()}' is not an action's number: actions are numbered within their "
            "outcome, like `/outcome action 12.3`. `/outcome 12 plan` lists outcome 12's."
        )
    return int(match.group(1)), int(match.group(2))


_SLACK_ID = re.compile(r"[UW][A-Z0-9]{4,}")
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def read_owner(text: str, caller: str) -> str:
    """The user id of an owner named in chat: a mention, a Slack user id, or `me`."""
    word = text.strip()
    if word.lower() in {"me", "myself"}:
        return caller
    for pattern in (TYPED_MENTION_PATTERN, MENTION_PATTERN, _SLACK_MENTION.pattern):
        match = re.fullmatch(pattern, word)
        if match:
            return match.group(1)
    if _SLACK_ID.fullmatch(word.lstrip("@")):
        return word.lstrip("@")
    raise UserError(
        f"'{word}' is not someone waymark can name: give the owner as an @mention, like "
        "`owner @Priya Shah`, or `owner me`."
    )


KEYWORDS = ("due", "start", "owner", "lead", "also")


@dataclass(frozen=True)
class NewAction:
    """A new action as typed after `/outcome N plan add`."""

    title: str
    due: date | None = None
    start: date | None = None
    owner: str | None = None
    lead_org: str = ""
    also: tuple[int, ...] = field(default=())


def read_new_action(text: str, caller: str, *, number: int) -> NewAction:
    """`TITLE [due DATE] [start DATE] [owner @USER] [lead ORG] [also 14;20]`. The title runs
    to the first of those words, or is written in quotes when it holds one of them."""
    title, rest = _title(text.strip())
    words = rest.split()
    values: dict[str, list[str]] = {}
    current: list[str] | None = None
    for word in words:
        key = word.lower()
        if key in KEYWORDS and (current is None or current):
            if key in values:
                raise UserError(f"`{key}` is given twice: say it once.")
            current = values.setdefault(key, [])
        elif current is not None:
            current.append(word)
        else:
            title = f"{title} {word}".strip()
    example = f"`/outcome {number} plan add Auto-enrol free school meals due March 2027 owner me`"
    if not title:
        raise UserError(f"Give the action's title after `plan add`, like {example}.")
    if len(title) > MAX_TITLE:
        raise UserError(f"Keep the title to {MAX_TITLE} characters (it is {len(title)}).")
    for key, given in values.items():
        if not given:
            raise UserError(f"Say what goes with `{key}`, like {example}.")
    text_of = {key: " ".join(given) for key, given in values.items()}
    due = _day(text_of["due"], "due") if "due" in text_of else None
    start = _day(text_of["start"], "start") if "start" in text_of else None
    if due is not None and start is not None and due < start:
        raise UserError(
            f"The due date ({due:%-d %B %Y}) is before the start ({start:%-d %B %Y}): "
            "give a due date after the start."
        )
    owner = read_owner(text_of["owner"], caller) if "owner" in text_of else None
    also = _outcomes(text_of["also"], number) if "also" in text_of else ()
    return NewAction(title, due, start, owner, text_of.get("lead", ""), also)


def _title(text: str) -> tuple[str, str]:
    """A quoted title and what follows it; otherwise no title yet and all the text."""
    match = re.match(r'^["“](.+?)["”]\s*(.*)$', text)
    if match:
        return match.group(1).strip(), match.group(2)
    return "", text


def _day(text: str, key: str) -> date:
    try:
        return parse_day(text)
    except DateError as error:
        raise UserError(f"{error} (after `{key}`)") from None


def _outcomes(text: str, home: int) -> tuple[int, ...]:
    numbers: list[int] = []
    for part in re.split(r"[;,\s]+", text.strip()):
        if not part:
            continue
        if not is_whole(part.lstrip("#")) or len(part) > 12:
            raise UserError(
                f"'{part}' is not an outcome's number: write the other outcomes an action "
                "serves like `also 14` or `also 14;20`."
            )
        found = int(part.lstrip("#"))
        if found != home and found not in numbers:
            numbers.append(found)
    return tuple(numbers)


def state_named(text: str) -> ActionState | None:
    """A state chosen in a form: its value (`on_track`) or its words; None when left empty."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    for typed, state in TYPED_STATES:
        if cleaned in (typed, state.value):
            return state
    raise UserError(f"'{text}' is not a state: choose {STATES_TYPED}.")

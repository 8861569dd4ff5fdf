"""One explicit table of `/outcome` sub-commands, `dispatch(ctx, text) -> Reply`, and the one
handler of a command event on every platform (`answer_command`)."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from commands.answer_cache import SHARED_ANSWERS, Key, Packed, answer_key
from commands.context import Args, CommandContext, Services
from commands.domain.status import local_today
from commands.errors import UserError
from commands.events import Command as CommandEvent
from commands.numbers import is_whole, looks_like_a_number, outcome_number
from commands.outcomes import listings, managing, targets, viewing
from commands.plans import viewing as plans
from commands.presentation.replies import Context, Header, Reply, Section, error_reply, text_reply
from commands.readings import approval, submit
from commands.reports import chat as reports
from storage.models import Outcome
from storage.repositories import ReceiptRepository, RoadmapRepository

Handler = Callable[[CommandContext, Args], Awaitable[Reply]]

REPLAYED = "That command was received already, so nothing was done again."


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    per_outcome: bool  # `/outcome N name ...` rather than `/outcome name ...`
    writes: bool = False  # changes the road map or its readings: needs a writing transaction
    # Words after the name that make it write (`/outcome N plan add …`), when it only reads
    # without them.
    writing_verbs: frozenset[str] = frozenset()

    @property
    def usage(self) -> str:
        """The first paragraph of the handler's docstring: a line per form of the command."""
        text = (self.handler.__doc__ or "").strip()
        return "\n".join(line.strip() for line in text.split("\n\n")[0].splitlines())


COMMANDS: tuple[Command, ...] = (
    Command("", viewing.show_outcome, per_outcome=True),
    Command("history", viewing.show_history, per_outcome=True),
    Command("targets", targets.show_targets, per_outcome=True),
    Command("submit", submit.submit_reading, per_outcome=True, writes=True),
    Command("approve", approval.approve_reading, per_outcome=True, writes=True),
    Command("comment", approval.comment_reading, per_outcome=True, writes=True),
    Command("assign", managing.assign_outcome, per_outcome=True, writes=True),
    Command("snooze", managing.snooze_outcome, per_outcome=True, writes=True),
    Command("pause", managing.pause_outcome, per_outcome=True, writes=True),
    Command("resume", managing.resume_outcome, per_outcome=True, writes=True),
    Command(
        "plan", plans.plan_command, per_outcome=True, writing_verbs=frozenset({"add", "pledge"})
    ),
    Command("list", listings.list_outcomes, per_outcome=False),
    Command("overdue", listings.list_overdue, per_outcome=False),
    Command("pending", approval.list_pending, per_outcome=False),
    Command("mine", listings.list_mine, per_outcome=False),
    Command("group", listings.list_group, per_outcome=False),
    Command("search", listings.search_outcomes, per_outcome=False),
    Command("action", plans.show_action, per_outcome=False),
    Command("report", reports.show_report, per_outcome=False),
)

_PER_OUTCOME = {c.name: c for c in COMMANDS if c.per_outcome}
_GENERAL = {c.name: c for c in COMMANDS if not c.per_outcome}


GREETINGS = frozenset({"hello", "hi", "hey", "hiya"})


def help_reply(shared: bool = False, platform: str = "slack", *, greeting: bool = False) -> Reply:
    """What /outcome can do, generated from the table; in Teams' words on Teams, where every
    answer is seen in the channel (no `share`) and reminders carry a box for the reading."""
    lines = [c.usage for c in COMMANDS] + ["/outcome help — this list"]
    text = "\n".join(lines)
    if platform == "teams":
        footer = (
            "Add `private` to have the answer in your own chat with waymark, like "
            "`/outcome 12 private`. Leads can also reply with a number in a reminder's thread, "
            "or type it in the reminder's box and press Submit reading, to submit a reading."
        )
    else:
        footer = (
            "Add `share` to show the answer to the whole channel, like `/outcome 12 share`. "
            "Leads can also reply with a number in a reminder's thread to submit a reading."
        )
    title = "What /outcome can do"
    blocks: tuple[Header | Section | Context, ...] = (
        Header(title),
        Section(text=text),
        Context((footer,)),
    )
    if greeting:
        hello = (
            "Hello: I am waymark, and I keep the road map's outcomes, readings and status. "
            "Try `/outcome 12` for an outcome's card or `/outcome list` for them all."
        )
        blocks = (Section(text=hello), *blocks)
        return Reply(hello + "\n" + text, blocks, shared=shared)
    return Reply(f"{title}:\n{text}", blocks, shared=shared)


async def answer_command(services: Services, event: CommandEvent, name: str | None = None) -> Reply:
    """Run a command in one unit of work: a reading one for the many commands that only read
    (they never queue behind a reading being stored), a writing one for those that change
    something. A mistake the person can fix is answered with what to type instead. `name`:
    the command's `command_name`, when the caller has it already."""
    key = _shared_key(services, event, name)
    if key is not None and services.answers is not None:
        found = services.answers.get(key)
        if found is not None:
            return found
    reply, _ = await _work_out(services, event, key)
    return reply


async def answer_command_packed(
    services: Services, event: CommandEvent, name: str | None = None
) -> Reply | Packed:
    """`answer_command`, but an answer kept packed for the event's platform
    (`AnswerCache.pack_for`) comes packed, ready to send."""
    key = _shared_key(services, event, name)
    if key is not None and services.answers is not None:
        found = services.answers.get_packed(key, event.platform)
        if found is not None:
            return found
    reply, packed = await _work_out(services, event, key)
    kept = services.answers
    if packed is not None and kept is not None and kept.packs_for(event.platform):
        return packed  # as a kept answer is sent: it was packed as it was kept
    return reply


def _shared_key(services: Services, event: CommandEvent, name: str | None) -> Key | None:
    """Where the answer is kept, for a command whose answer is the same for everyone."""
    if services.answers is None or (name or command_name(event.text)) not in SHARED_ANSWERS:
        return None
    return answer_key(event.text, local_today(services.clock(), services.tz))


async def _work_out(
    services: Services, event: CommandEvent, key: Key | None
) -> tuple[Reply, Packed | None]:
    """The answer from the database, kept under `key` (and packed, when it was kept packed)."""
    kept = services.answers
    version = kept.version if kept is not None else 0
    writing = writes(event.text)
    unit = services.db.transaction if writing else services.db.reading
    async with unit() as session:
        if writing and event.receipt:
            receipts = ReceiptRepository(session)
            if not await receipts.first_time(event.receipt, event.platform, services.clock()):
                return text_reply(REPLAYED), None
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            reply = await dispatch(ctx, event.text)
        except UserError as error:
            return error_reply(error), None
    if kept is not None and key is not None:
        return reply, kept.keep(key, version, reply)
    return reply, None


async def dispatch(ctx: CommandContext, text: str) -> Reply:
    """Parse what followed `/outcome` and run the matching sub-command; `private` anywhere
    asks for the answer in the person's own chat (Teams; Slack's answers are theirs alone)."""
    private = any(w.lower() == "private" for w in text.split())
    if private:
        text = " ".join(w for w in text.split() if w.lower() != "private")
        reply = await _dispatch(ctx, text)
        return dataclasses.replace(reply, private=True, shared=False)
    return await _dispatch(ctx, text)


async def _dispatch(ctx: CommandContext, text: str) -> Reply:
    words = text.split()
    shared = any(w.lower() == "share" for w in words)
    words = [w for w in words if w.lower() != "share"]
    words, page = _page(words)
    if not words or words[0].lower() in {"help", "?"}:
        return help_reply(shared, ctx.caller.platform)
    if len(words) <= 2 and words[0].lower().strip("!,.") in GREETINGS:
        # `hello` (what README has admins send first) greets rather than search for the word.
        return help_reply(shared, ctx.caller.platform, greeting=True)
    first = words[0].lower().lstrip("#")
    if is_whole(first):
        number = outcome_number(first)
        verb = words[1].lower() if len(words) > 1 else ""
        command = _PER_OUTCOME.get(verb)
        if command is None:
            raise _unknown_verb(number, verb)
        outcome = await _require_outcome(ctx, number)
        args = Args(
            number=number,
            words=tuple(words[2:]),
            shared=shared,
            page=page,
            raw=text,
            outcome=outcome,
        )
        return await command.handler(ctx, args)
    if looks_like_a_number(first):
        outcome_number(first)  # `/outcome ²`: says how to write an outcome number
    command = _GENERAL.get(first)
    spelled = number_in_words(first)
    if command is None and spelled is not None:
        typed = " ".join(["/outcome", str(spelled), *words[1:]])
        raise UserError(f"Outcome numbers are written in digits: `{typed}`.")
    if command is None:
        # `/outcome poverty`: text that is not a number or a sub-command searches.
        command = _GENERAL["search"]
        rest = tuple(words)
    else:
        rest = tuple(words[1:])
    return await command.handler(ctx, Args(words=rest, shared=shared, page=page, raw=text))


@functools.lru_cache(maxsize=256)  # the same few commands (`12`, `list`) again and again
def command_name(text: str) -> str:
    """What a command asks for, from a short fixed list (`card`, `history`, `list`, `search`,
    `help`, `unknown`...): a label for metrics and logs that never carries the words typed."""
    words, _ = _page([w for w in text.split() if w.lower() not in {"share", "private"}])
    if not words or words[0].lower() in {"help", "?"}:
        return "help"
    first = words[0].lower().lstrip("#")
    if is_whole(first):
        verb = words[1].lower() if len(words) > 1 else ""
        if verb not in _PER_OUTCOME:
            return "unknown"
        return verb or "card"
    return first if first in _GENERAL else "search"


def writes(text: str) -> bool:
    """Whether what followed `/outcome` names a sub-command that writes. Everything else reads,
    and can be answered from a reading transaction that never waits for writers."""
    words = [w for w in text.split() if w.lower() not in {"share", "private"}]
    if len(words) < 2 or not is_whole(words[0].lstrip("#")):
        return False
    command = _PER_OUTCOME.get(words[1].lower())
    if command is None:
        return False
    return command.writes or (len(words) > 2 and words[2].lower() in command.writing_verbs)


def _page(words: list[str]) -> tuple[list[str], int]:
    """`... page 2` at the end asks for the second page of a long list."""
    if len(words) >= 2 and words[-2].lower() == "page" and re.fullmatch(r"\d{1,4}", words[-1]):
        return words[:-2], int(words[-1])
    return words, 1


_UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}


def number_in_words(word: str) -> int | None:
    """`twelve` -> 12, `twenty-one` -> 21: a number spelled out, which people type for an
    outcome's number and which would otherwise be searched for as a word."""
    word = word.lower()
    if word in _UNITS:
        return _UNITS.index(word)
    tens, _, unit = word.partition("-")
    if tens in _TENS and (not unit or unit in _UNITS[1:10]):
        return _TENS[tens] + (_UNITS.index(unit) if unit else 0)
    return None


def _unknown_verb(number: int, verb: str) -> UserError:
    known = [name for name in _PER_OUTCOME if name]
    close = difflib.get_close_matches(verb, known, n=1)
    hint = f" Did you mean `/outcome {number} {close[0]}`?" if close else ""
    return UserError(
        f"'{verb}' is not something /outcome can do with an outcome.{hint} "
        f"Try `/outcome {number}` for its card, or one of: "
        + ", ".join(f"`/outcome {number} {k}`" for k in known)
        + ". `/outcome help` lists everything."
    )


async def _require_outcome(ctx: CommandContext, number: int) -> Outcome:
    """Outcome `number`, loaded once for the handler too."""
    roadmap = RoadmapRepository(ctx.session)
    outcome = await roadmap.outcome(number)
    if outcome is not None:
        return outcome
    span = await roadmap.outcome_number_range()
    if span is None:
        raise UserError("The road map is empty: an administrator needs to load it first.")
    low, high = span
    numbers = sorted(
        [o.number for o in await roadmap.outcomes()], key=lambda n: (abs(n - number), n)
    )[:2]
    near = " or ".join(f"`/outcome {n}`" for n in sorted(numbers))
    raise UserError(
        f"There is no outcome {number}: outcomes are numbered {low} to {high}. "
        f"The closest are {near}. For example, `/outcome {low}` shows outcome {low}'s card; "
        "`/outcome list` shows them all, and `/outcome poverty` searches by words."
    )

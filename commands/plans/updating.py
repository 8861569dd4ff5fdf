"""Updates to an action, the same from every surface: a reply in the thread of a message about
it (`delayed — contractor changed, new date March`), its edit, or the Give an update form.

A reply is read once however often the platform delivers it (its receipt is kept, and its
update carries the message's key); an edit adds a new update and the old one stays; deleting
the message keeps its update, and the thread is told so. Each event is handled whole in one
transaction, before the platform is answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from commands.answers import ButtonAnswer, FormAnswer, ThreadAnswer
from commands.context import CommandContext, Services
from commands.errors import UserError
from commands.events import ButtonPressed, ReplyDeleted, ReplyEdited, ThreadReply, UpdateSubmitted
from commands.plans.adding import may_plan
from commands.plans.cards import due_words
from commands.plans.parsing import check_line, read_update, state_named
from commands.plans.states import STATE_CHOICES, state_words
from commands.presentation.replies import Form, Input, Reply, Section, error_reply, text_reply
from commands.readings.thread_replies import CORRECTED, edit_key, message_key
from storage.plan_models import ActionState, ActionUpdate, PlanAction
from storage.repositories import (
    AuditRepository,
    PlanRepository,
    PostRepository,
    ReceiptRepository,
)

CALLBACK = "waymark.action_update_form"
THREAD, FORM = "thread", "form"


@dataclass(frozen=True)
class Updated:
    ref: str
    title: str
    update: ActionUpdate
    before: str
    duplicate: bool = False


def ref_of(action: PlanAction) -> str:
    return f"{action.outcome.number}.{action.number}"


def may_update(ctx: CommandContext, action: PlanAction) -> bool:
    """The action's owner, the leads of its outcome's group, and administrators."""
    caller = ctx.caller
    owns = (action.owner_platform, action.owner_id) == (caller.platform, caller.user_id)
    return owns or may_plan(ctx, action.outcome)


def who_can_update(action: PlanAction) -> UserError:
    group = action.outcome.owner
    named = ([action.owner_id] if action.owner_id else []) + (group.lead_ids if group else [])
    return UserError(
        f"Only action {ref_of(action)}'s owner, the leads of the "
        f"{group.name if group else 'group that oversees it'} and administrators can update it. "
        "Ask them to:",
        mentions=tuple(dict.fromkeys(named)),
    )


async def record_update(
    ctx: CommandContext,
    action: PlanAction,
    state: ActionState | None,
    line: str,
    *,
    via: str,
    source_key: str | None = None,
) -> Updated:
    """Add an update, by the person asking, now; the action takes its state."""
    plans = PlanRepository(ctx.session)
    if source_key is not None:
        earlier = await plans.by_source(source_key)
        if earlier:
            return Updated(ref_of(action), action.title, earlier[0], action.state, duplicate=True)
    if not may_update(ctx, action):
        raise who_can_update(action)
    line = check_line(line)
    before = action.state
    update = ActionUpdate(
        action_id=action.id,
        at=ctx.now,
        by_platform=ctx.caller.platform,
        by_user=ctx.caller.user_id,
        state=(state or ActionState(before)).value,
        text=line,
        via=via,
        source_key=source_key,
    )
    action.state = update.state
    plans.add(update)
    await plans.flush()
    ref = ref_of(action)
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="action.updated",
        subject=f"action:{ref}",
        before={"state": before},
        after={"state": update.state, "text": line, "via": via},
    )
    return Updated(ref, action.title, update, before)


def confirmation(updated: Updated) -> str:
    """Exactly what was recorded, and what became of the state."""
    now = updated.update.state
    line = f" — {updated.update.text}" if updated.update.text else ""
    head = (
        f"Recorded an update to action {updated.ref} ({updated.title}): {state_words(now)}{line}."
    )
    if now == updated.before:
        return f"{head} It stays {state_words(now).lower()}."
    return f"{head} State: {state_words(updated.before).lower()} → {state_words(now).lower()}."


async def answer_update_reply(
    services: Services, event: ThreadReply | ReplyEdited
) -> ThreadAnswer | None:
    """Read a reply in the thread of a message about an action as an update to it. None when
    the thread is not about an action, or the reply is chat (`thanks`), or it is someone's
    comment who may not update the action and named no state."""
    key = message_key(event.platform, event.channel_id, event.message_id)
    if isinstance(event, ReplyEdited):
        key = edit_key(key, event.edited)
    async with services.db.transaction() as session:
        post = await PostRepository(session).find(event.platform, event.channel_id, event.thread_id)
        action = (
            await PlanRepository(session).get(post.action_id) if post and post.action_id else None
        )
        typed = read_update(event.text)
        if action is None or typed is None:
            return None
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        if typed.state is None and not may_update(ctx, action):
            return None  # a comment in the thread, not an attempt at an update
        if event.receipt and not await ReceiptRepository(session).first_time(
            event.receipt, event.platform, services.clock()
        ):
            return ThreadAnswer(None)
        try:
            updated = await record_update(
                ctx, action, typed.state, typed.line, via=THREAD, source_key=key
            )
        except UserError as error:
            return ThreadAnswer(error_reply(error))
    if updated.duplicate:
        return ThreadAnswer(None)
    if isinstance(event, ReplyEdited):
        return ThreadAnswer(text_reply(f"{CORRECTED} {confirmation(updated)}"))
    return ThreadAnswer(text_reply(confirmation(updated)), react_tick=True)


async def answer_update_deletion(services: Services, event: ReplyDeleted) -> Reply | None:
    """What to say when a reply that gave an update is deleted: the update stays."""
    key = message_key(event.platform, event.channel_id, event.message_id)
    async with services.db.transaction() as session:
        post = await PostRepository(session).find(event.platform, event.channel_id, event.thread_id)
        if post is None or post.action_id is None:
            return None
        plans = PlanRepository(session)
        given = await plans.by_source(key, with_edits=True)
        action = await plans.get(post.action_id)
        if not given or action is None:
            return None
        if event.receipt and not await ReceiptRepository(session).first_time(
            event.receipt, event.platform, services.clock()
        ):
            return None
        last = given[-1]
    line = f" — {last.text}" if last.text else ""
    return text_reply(
        f"That message was deleted, but the update it gave ({state_words(last.state)}{line}) "
        f"stays in action {ref_of(action)}'s history. To change it, reply here with a new update."
    )


@dataclass(frozen=True)
class FormContext:
    """Where the form was opened, so the confirmation goes back there."""

    action_id: int
    channel_id: str
    thread_id: str | None

    def dump(self) -> str:
        return json.dumps({"a": self.action_id, "c": self.channel_id, "t": self.thread_id})

    @classmethod
    def load(cls, text: str) -> FormContext:
        data = json.loads(text)
        return cls(int(data["a"]), str(data["c"]), data.get("t"))


async def open_update_form(services: Services, event: ButtonPressed) -> ButtonAnswer:
    """The Give an update form, or why the person pressing may not update the action."""
    async with services.db.reading() as session:
        action = await PlanRepository(session).get(int(event.value))
        if action is None:
            return ButtonAnswer(note="That action is no longer in the plan.")
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        if not may_update(ctx, action):
            return ButtonAnswer(reply=error_reply(who_can_update(action)))
        ref = ref_of(action)
        due = due_words(action.due, action.state, ctx.today)
        now = f"Now {state_words(action.state).lower()}, {due}."
        form = Form(
            title=f"Update action {ref}",
            submit_label="Save",
            callback=CALLBACK,
            intro=Section(title=f"{ref} {action.title}", text=now),
            context=FormContext(action.id, event.channel_id, event.thread_id).dump(),
            inputs=(
                Input("state", "State", initial=action.state, choices=STATE_CHOICES),
                Input(
                    "line",
                    "What happened",
                    placeholder="e.g. contractor changed, new date March",
                    hint="One line, kept with the action and shown in its plan.",
                ),
            ),
        )
    return ButtonAnswer(form=form)


async def answer_update_form(services: Services, event: UpdateSubmitted) -> FormAnswer:
    """Record the update typed in the form, or say what is wrong with each box."""
    async with services.db.transaction() as session:
        action = await PlanRepository(session).get(event.action_id)
        if action is None:
            return FormAnswer({"line": "That action is no longer in the plan."})
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        line = event.values.get("line", "").strip()
        try:
            state = state_named(event.values.get("state", ""))
        except UserError as error:
            return FormAnswer({"state": str(error)})
        if not line and (state is None or state == action.state):
            return FormAnswer({"line": "Say what happened, in one line."})
        try:
            updated = await record_update(ctx, action, state, line, via=FORM)
        except UserError as error:
            return FormAnswer({"line": str(error)})
    return FormAnswer(confirmation=confirmation(updated))

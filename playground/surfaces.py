"""What a bot adds around messages: reactions, files, modals (and the triggers that open them)
and response URLs. A part of the workspace, kept apart so that each file is one role."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable
from typing import Any

from playground.errors import SlackError
from playground.records import (
    Change,
    Message,
    OpenView,
    Reaction,
    ResponseUrl,
    StoredFile,
    Trigger,
    new_id,
    view_hash,
)
from playground.transcript import Transcript

# Slack gives a trigger_id about three seconds to be exchanged for a modal.
TRIGGER_TTL_SECONDS = 3.0
# A response_url takes five posts within thirty minutes.
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60


class Surfaces(Transcript):
    """Reactions, files, modals and response URLs: the part of `Workspace` beyond its messages."""

    files: dict[str, StoredFile]
    views: dict[str, OpenView]
    view_stacks: dict[str, list[str]]
    triggers: dict[str, Trigger]
    response_urls: dict[str, ResponseUrl]
    now: Callable[[], float]

    # ----- reactions

    def react(self, message: Message, name: str, user_id: str) -> None:
        for reaction in message.reactions:
            if reaction.name == name:
                if user_id in reaction.users:
                    raise SlackError("already_reacted")
                reaction.users.append(user_id)
                break
        else:
            message.reactions.append(Reaction(name, [user_id]))
        self.changed(Change("reaction", channel_id=message.channel))

    def unreact(self, message: Message, name: str, user_id: str) -> None:
        for reaction in message.reactions:
            if reaction.name == name and user_id in reaction.users:
                reaction.users.remove(user_id)
                if not reaction.users:
                    message.reactions.remove(reaction)
                self.changed(Change("reaction", channel_id=message.channel))
                return
        raise SlackError("no_reaction")

    # ----- files

    def new_file(self, *, filename: str, length: int, user: str, alt_txt: str = "") -> StoredFile:
        stored = StoredFile(
            id=new_id("F"),
            name=filename,
            title=filename,
            user=user,
            created=int(self.now()),
            upload_key=secrets.token_urlsafe(16),
            length=length,
            alt_txt=alt_txt,
            mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        )
        self.files[stored.id] = stored
        return stored

    def file_for_upload(self, upload_key: str) -> StoredFile | None:
        for stored in self.files.values():
            if stored.upload_key == upload_key:
                return stored
        return None

    def file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None or stored.content is None:
            raise SlackError("file_not_found")
        return stored

    # ----- modals

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = (
            f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        )
        self.triggers[trigger_id] = Trigger(trigger_id, user_id, self.now())
        return trigger_id

    def redeem_trigger(self, trigger_id: str) -> Trigger:
        """Use a trigger_id once, the way ``views.open`` does, or fail with Slack's error."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def open_view(self, user_id: str, spec: dict[str, Any], *, push: bool = False) -> OpenView:
        stack = self.view_stacks.setdefault(user_id, [])
        if not push:
            for view_id in stack:
                self.views.pop(view_id, None)
            stack.clear()
        view_id = new_id("V")
        view = OpenView(
            id=view_id,
            user_id=user_id,
            spec=spec,
            hash=view_hash(),
            root_view_id=stack[0] if stack else view_id,
            previous_view_id=stack[-1] if stack else None,
        )
        self.views[view_id] = view
        stack.append(view_id)
        self.changed(Change("view", user_id=user_id))
        return view

    def find_view(self, *, view_id: str | None = None, external_id: str | None = None) -> OpenView:
        if view_id:
            found = self.views.get(view_id)
            if found is not None:
                return found
        elif external_id:
            for view in self.views.values():
                if view.spec.get("external_id") == external_id:
                    return view
        raise SlackError("not_found")

    def replace_view(self, view: OpenView, spec: dict[str, Any]) -> OpenView:
        view.spec = spec
        view.hash = view_hash()
        view.errors = {}
        self.changed(Change("view", user_id=view.user_id))
        return view

    def top_view(self, user_id: str) -> OpenView | None:
        stack = self.view_stacks.get(user_id)
        return self.views[stack[-1]] if stack else None

    def close_view(self, view: OpenView, *, clear: bool = False) -> None:
        """Close this modal (or, with ``clear``, every modal the person has stacked up)."""
        stack = self.view_stacks.get(view.user_id, [])
        closing = list(stack) if clear else [view.id]
        for view_id in closing:
            if view_id in stack:
                stack.remove(view_id)
            self.views.pop(view_id, None)
        self.changed(Change("view", user_id=view.user_id))

    def show_view_errors(self, view: OpenView, errors: dict[str, str]) -> None:
        view.errors = dict(errors)
        self.changed(Change("view", user_id=view.user_id))

    # ----- response_url

    def issue_response_url(
        self,
        *,
        user_id: str,
        channel_id: str,
        source_ts: str | None = None,
        source_is_ephemeral: bool = False,
        thread_ts: str | None = None,
    ) -> ResponseUrl:
        hook = ResponseUrl(
            token=secrets.token_urlsafe(18),
            user_id=user_id,
            channel_id=channel_id,
            issued_at=self.now(),
            source_ts=source_ts,
            source_is_ephemeral=source_is_ephemeral,
            thread_ts=thread_ts,
        )
        self.response_urls[hook.token] = hook
        return hook

    def use_response_url(self, token: str) -> ResponseUrl:
        hook = self.response_urls.get(token)
        if hook is None:
            raise SlackError("no_service")
        if hook.uses >= RESPONSE_URL_USES or (
            self.now() - hook.issued_at > RESPONSE_URL_TTL_SECONDS
        ):
            raise SlackError("expired_url")
        hook.uses += 1
        return hook

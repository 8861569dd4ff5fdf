"""``views.*``: opening, pushing and updating modals, with Slack's checks on a view."""

from __future__ import annotations

from typing import Any

from playground import shapes
from playground.blockkit import view_errors, with_ids
from playground.errors import SlackError
from playground.methods import MethodGroup
from playground.params import Method, Params, invalid_arguments, need, optional


class ModalMethods(MethodGroup):
    def table(self) -> dict[str, Method]:
        return {
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
        }

    @staticmethod
    def _view_spec(params: Params) -> dict[str, Any]:
        spec = params.get("view")
        if spec is None:
            raise invalid_arguments("missing required field: view")
        problems = view_errors(spec)
        if problems:
            raise invalid_arguments(*problems)
        assert isinstance(spec, dict)
        return {**spec, "blocks": with_ids(spec.get("blocks") or [])}

    async def views_open(self, params: Params) -> dict[str, Any]:
        trigger_id = need(params, "trigger_id")
        spec = self._view_spec(params)
        trigger = self.workspace.redeem_trigger(trigger_id)
        view = self.workspace.open_view(trigger.user_id, spec)
        return {"ok": True, "view": shapes.view_json(self.workspace, view)}

    async def views_push(self, params: Params) -> dict[str, Any]:
        trigger_id = need(params, "trigger_id")
        spec = self._view_spec(params)
        trigger = self.workspace.redeem_trigger(trigger_id)
        if len(self.workspace.view_stacks.get(trigger.user_id, [])) >= 3:
            raise SlackError("push_limit_reached")
        view = self.workspace.open_view(trigger.user_id, spec, push=True)
        return {"ok": True, "view": shapes.view_json(self.workspace, view)}

    async def views_update(self, params: Params) -> dict[str, Any]:
        view_id = optional(params, "view_id")
        external_id = optional(params, "external_id")
        if view_id is None and external_id is None:
            raise invalid_arguments("must provide view_id or external_id")
        spec = self._view_spec(params)
        view = self.workspace.find_view(view_id=view_id, external_id=external_id)
        expected = optional(params, "hash")
        if expected is not None and expected != view.hash:
            raise SlackError("hash_conflict")
        self.workspace.replace_view(view, spec)
        return {"ok": True, "view": shapes.view_json(self.workspace, view)}

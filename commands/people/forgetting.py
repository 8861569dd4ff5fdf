"""A person's rights over what waymark holds about them (UK GDPR): to see it (`person_record`,
a subject access request) and to have their id and name replaced by a pseudonym (`forget_person`,
an erasure request), while every figure they gave and its history stay.

The pseudonym is derived from the id with a secret only this installation has (HMAC-SHA256), so
the same person gets the same pseudonym every time (their readings still read as one person's),
and it cannot be turned back into the id without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commands.errors import UserError
from storage.personal_data import Mentions, pseudonymise, rows_about
from storage.repositories import AuditRepository

PREFIX = "forgotten-"
KEY_VARIABLE = "WAYMARK_PSEUDONYM_KEY"


def pseudonym_for(user_id: str, key: str) -> str:
    digest = hmac.new(key.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    return f"{PREFIX}{digest[:12]}"


@dataclass(frozen=True)
class Forgotten:
    """Who the person is now, and the rows changed, by table."""

    pseudonym: str
    changed: dict[str, int]


async def forget_person(
    session: AsyncSession,
    user_id: str,
    *,
    by: str,
    reason: str,
    key: str | None,
    now: datetime,
) -> Forgotten:
    """Replace `user_id`, and the names waymark has for them, by their pseudonym in every
    column that holds personal data, and audit the erasure without the id."""
    user_id, reason, by = user_id.strip(), reason.strip(), by.strip()
    if not key:
        raise UserError(
            f"{KEY_VARIABLE} is not set. Set it to a long random secret, kept as long as "
            "waymark runs (for example the output of `python -c 'import secrets; "
            f"print(secrets.token_hex(32))'`), then run this again. Nothing was changed."
        )
    if not user_id or user_id.startswith(PREFIX):
        raise UserError(
            f"'{user_id}' is not a chat user id (like U0123ABCD): give the id of the person to "
            "forget. Nothing was changed."
        )
    if not reason:
        raise UserError(
            "Say why, for the audit log: add --reason 'erasure request of 2 March 2026', for "
            "example. Nothing was changed."
        )
    if not by or by == user_id:
        raise UserError(
            "--by names who is recording this erasure, in the audit log, and it cannot be the "
            "person forgotten (their id would stay there): give your own id. Nothing was changed."
        )
    pseudonym = pseudonym_for(user_id, key)
    changed = await pseudonymise(await session.connection(), user_id, pseudonym)
    if not changed:
        raise UserError(
            f"waymark holds nothing about {user_id}, so nothing was changed. Check the id (in "
            "Slack: the person's profile, ⋮, Copy member ID)."
        )
    AuditRepository(session).record(
        at=now,
        actor=by,
        action="person.forgotten",
        subject=f"person:{pseudonym}",
        after={
            "reason": Mentions(user_id, ()).replaced(reason, pseudonym),
            "rows_changed": changed,
        },
    )
    return Forgotten(pseudonym, changed)


async def person_record(session: AsyncSession, user_id: str, now: datetime) -> dict[str, Any]:
    """Everything waymark holds about the person with chat id `user_id`, table by table: each
    row that is about them or names them, whole."""
    user_id = user_id.strip()
    if not user_id:
        raise UserError("Give the chat user id of the person, like U0123ABCD.")
    held = await rows_about(await session.connection(), user_id)
    return {
        "user_id": user_id,
        "exported_at": now.isoformat(),
        "rows": sum(len(rows) for rows in held.values()),
        "tables": held,
    }

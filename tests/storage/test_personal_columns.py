"""Where personal data lives is declared on its columns (`storage/personal_columns.py`); a column
that by its name holds people must say so, or `people forget` would miss it."""

from __future__ import annotations

import re

from sqlalchemy import String

from storage import personal_columns as personal
from storage.models import Base
from storage.personal_data import personal_columns

# Names that say "a person": user_id, submitted_by, actor, lead, owner, approver...
LOOKS_LIKE_A_PERSON = re.compile(
    r"(^|_)(user_id|user|by|actor|lead|leads|owner|approver|assignee|person|people)$"
)


def test_every_column_named_for_a_person_declares_its_personal_data() -> None:
    undeclared = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String)
        and LOOKS_LIKE_A_PERSON.search(column.name)
        and personal.KEY not in column.info
    ]
    assert undeclared == []


def test_the_declarations_are_the_ones_forgetting_reads() -> None:
    declared = {(p.table.name, p.column.name): p.kind for p in personal_columns()}
    assert declared[("readings", "submitted_by")] == personal.ID
    assert declared[("chat_people", "name")] == personal.NAME
    assert declared[("audit_log", "after")] == personal.MENTIONED
    assert set(declared.values()) <= {personal.ID, personal.NAME, personal.MENTIONED}
    # A name is found through the id beside it: a table with names has an id column too.
    ids = {table for (table, _), kind in declared.items() if kind == personal.ID}
    names = {table for (table, _), kind in declared.items() if kind == personal.NAME}
    assert names <= ids

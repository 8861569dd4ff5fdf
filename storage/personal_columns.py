"""Where personal data lives, declared on the columns that hold it: `info=PERSON_ID` and the
like on a column's definition in `storage/models.py`. `people forget`, `people export` and the
checks in tests find every table and column from these declarations, so a new table that holds
something about a person joins them with one word on each such column (README, "Personal data").

- PERSON_ID: the column holds a person's chat user id, the whole value (`submitted_by`).
- PERSON_NAME: a person's name, in a row that a PERSON_ID column of the same table says is
  theirs (`chat_people.name` beside `chat_people.user_id`).
- MENTIONS: text or JSON that may name people anywhere inside it (an audit row's before and
  after, a message waiting to be posted, a note).
"""

from __future__ import annotations

from typing import Final

KEY: Final = "personal"

ID: Final = "id"
NAME: Final = "name"
MENTIONED: Final = "mentions"

PERSON_ID: Final = {KEY: ID}
PERSON_NAME: Final = {KEY: NAME}
MENTIONS: Final = {KEY: MENTIONED}

"""waymark's platform-neutral core: use cases grouped by feature, never importing a chat SDK.

- `conversations.py`: `Core`, one method per chat event (`events.py`), answering with
  `answers.py`; `registry.py`: the table of `/outcome` sub-commands; `context.py`: who is asking.
- `domain/`: pure rules (periods, path, status, calendars), standard library only.
- `outcomes/`: an outcome's card and history, listings, ownership and reminders settings.
- `readings/`: parsing, recording, thread replies, the form, `/outcome N submit`; the guards on
  figures a council publishes (`guards.py`), the questions waymark waits on (`questions.py`),
  approval and commentary (`approval.py`) and locked periods (`locks.py`).
- `reminders/`, `digest/`: what the scheduler queues, and its words.
- `roadmap_files/`: the road map as CSV files, in and out.
- `delivery/`: the outbox, channel targets, the reply codec, the conversation book.
- `presentation/`: neutral replies, cards, charts and wording that adapters render.
"""

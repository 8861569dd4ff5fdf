"""Delivery plans: the actions each partnership group takes to change the dial on its outcomes,
and their owners' dated updates, tracked in chat.

- `states.py`: the states and kinds of an action, in words; `parsing.py`: what people type
  (an update, a new action, an owner, `12.3`).
- `viewing.py`: `/outcome N plan`, `/outcome action N.M` and the actions in `/outcome mine`;
  `adding.py`: `/outcome N plan add …`; `updating.py`: updates from a thread reply or a form.
- `cards.py`: the replies; `queries.py`: an outcome's actions as of a date (for reports and
  `waymark status --json`).
- `reminders.py`: owners asked for an update, through the outbox and the reminder ladder;
  `digest.py`: the digest's delivery-plan lists.
"""

"""The one exception a person can act on."""


class UserError(Exception):
    """Something the user can fix. The message says what was wrong and what to type instead;
    nothing has been changed when it is raised. `mentions` are people to name (user ids),
    rendered the platform's way after the message."""

    def __init__(self, message: str, *, mentions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.mentions = mentions

"""The one exception a person can act on."""


class UserError(Exception):
    """Something the user can fix. The message says what was wrong and what to type instead;
    nothing has been changed when it is raised."""

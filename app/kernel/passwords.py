"""The password rule, shared by the API's schemas and the operator CLI."""

import re

PASSWORD_MIN, PASSWORD_MAX = 8, 128
PASSWORD_RULE = (
    f"Password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters and contain at least one letter and one digit."
)


def password_problem(password: str) -> str | None:
    """The rule a password breaks, or None when it is acceptable."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return PASSWORD_RULE
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return PASSWORD_RULE
    return None

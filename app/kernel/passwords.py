"""The password rule, shared by the API's schemas and the operator CLI."""

import re

PASSWORD_MIN, PASSWORD_MAX = 10, 128
# Words that lead every leaked-password list; with digits or symbols appended they are guessed first.
COMMON_WORDS = frozenset(
    "password passw0rd p@ssword qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm letmein welcome admin administrator "
    "iloveyou monkey dragon football baseball master sunshine princess shadow superman trustno1 abc abcd abcdef "
    "abcdefg abcdefgh changeme secret localmind login user test default".split()
)
PASSWORD_RULE = (
    f"Password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters, contain at least one letter and one digit, "
    "use at least 5 different characters, and not be a common password or a common word with digits or "
    "symbols added (such as password1 or qwerty123)."
)


def _is_common(password: str) -> bool:
    lowered = password.lower()
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)
    return core in COMMON_WORDS or lowered.strip("0123456789") == "" or lowered in COMMON_WORDS


def password_problem(password: str) -> str | None:
    """The rule a password breaks (the whole rule, so the user sees every requirement), or None."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return PASSWORD_RULE
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        return PASSWORD_RULE
    if len(set(password)) < 5 or _is_common(password):
        return PASSWORD_RULE
    return None

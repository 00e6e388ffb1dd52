"""Workspace names and API identifiers: refuse bad ones before any request, suggest near ones.

A name ends up as a URL path segment, so anything that could change the path (`/`, `%`, `..`,
whitespace) is refused here, with a message that says what a name may contain.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from bot.errors import InvalidIdentifier, InvalidWorkspaceName
from bot.firestartr.models import NAME_PATTERN

MAX_NAME_LENGTH = 90
NAME_RULE = (
    "letters, digits, `.`, `_` and `-`, starting with a letter or digit, "
    f"at most {MAX_NAME_LENGTH} characters"
)
ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_SHOWN_LENGTH = 40


def shown(value: str) -> str:
    """`value` made safe to quote in a message: control characters escaped, long text cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _name_problem(name: str) -> str | None:
    if len(name) > MAX_NAME_LENGTH:
        return f"it has {len(name)} characters"
    if any(c.isspace() for c in name):
        return "it contains spaces or line breaks"
    for bad in ("/", "%", "\\", ".."):
        if bad in name:
            return f"it contains `{bad}`"
    # fullmatch, not match: NAME_PATTERN ends in `$`, which also matches before a final newline.
    if NAME_PATTERN.fullmatch(name):
        return None
    if not name[0].isascii() or not name[0].isalnum():
        return "it must start with a letter or digit"
    odd = next(c for c in name if not (c.isascii() and (c.isalnum() or c in "._-")))
    return f"it contains `{shown(odd)}`"


def validate_name(name: str) -> str:
    """Return `name` unchanged if it is a valid workspace name, else raise InvalidWorkspaceName."""
    if not isinstance(name, str):
        raise InvalidWorkspaceName(f"A workspace name must be text: {NAME_RULE}.")
    if not name:
        raise InvalidWorkspaceName(f"Give a workspace name: {NAME_RULE}.")
    problem = _name_problem(name)
    if problem is not None:
        raise InvalidWorkspaceName(
            f"`{shown(name)}` is not a valid workspace name ({problem}). Names use {NAME_RULE}."
        )
    return name


def validate_id(value: str, what: str = "id") -> str:
    """Return a run or conflict id unchanged if it is safe as a path segment, else raise."""
    if (
        isinstance(value, str)
        and ID_PATTERN.fullmatch(value)
        # `.` and `..` pass the pattern but are path navigation, not ids.
        and value.strip(".")
    ):
        return value
    text = shown(value) if isinstance(value, str) else type(value).__name__
    raise InvalidIdentifier(
        f"`{text}` is not a valid {what}: use 1 to 128 letters, digits, `.`, `_` or `-`."
    )


def suggest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` names from `known` that `name` was probably meant to be, best first.

    Case-insensitive: exact matches, then names that start with it (shortest first), then names
    that contain it, then difflib's close matches (typos).
    """
    if n <= 0 or not isinstance(name, str) or not name.strip():
        return []
    target = name.strip().lower()
    names = list(dict.fromkeys(k for k in known if isinstance(k, str) and k))
    lower = [k.lower() for k in names]
    exact = [k for k, low in zip(names, lower, strict=True) if low == target]
    prefix = sorted(
        (
            k
            for k, low in zip(names, lower, strict=True)
            # A typed name longer than a known one ("production-eu" for "production") counts too,
            # but not for very short known names, which would match nearly everything.
            if low.startswith(target) or (len(low) >= 3 and target.startswith(low))
        ),
        key=len,
    )
    inside = (
        sorted(
            (k for k, low in zip(names, lower, strict=True) if target in low),
            key=lambda k: (k.lower().index(target), len(k)),
        )
        if len(target) >= 2
        else []
    )
    by_lower = dict(zip(lower, names, strict=True))
    close = [by_lower[low] for low in difflib.get_close_matches(target, lower, n=n, cutoff=0.6)]
    return list(dict.fromkeys(exact + prefix + inside + close))[:n]


def did_you_mean(typed: str, known: Iterable[str], *, show: str = "`{}`") -> str:
    """` Did you mean `staging`?` for the names `typed` was probably meant to be, else "".

    The one suggestion every message that names a workspace (or a subcommand) uses; `show`
    formats each name (a command is shown as "`/fsync {}`").
    """
    near = [show.format(name) for name in suggest(typed, known)]
    if not near:
        return ""
    listed = near[0] if len(near) == 1 else ", ".join(near[:-1]) + f" or {near[-1]}"
    return f" Did you mean {listed}?"

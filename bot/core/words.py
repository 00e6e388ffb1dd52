"""Words for what fsync shows people: counted things, articles and states said as adjectives.

Every message that shows a count says it through `plural` ("1 workspace", "2 workspaces"), every
"a <word>" whose word is not fixed goes through `a_or_an`, and a status used to describe a
workspace goes through `adjective` ("still failing", "is in conflict"), never the API's raw
status ("still failed"). tests/firsthour/test_words.py renders every message kind with one and
with two of each counted thing and refuses "1 workspaces", "a operator", "(s)" and parentheses
nested in parentheses.
"""

from __future__ import annotations

# Plurals English does not form by adding -s / -es.
_IRREGULAR = {"person": "people", "entry": "entries", "policy": "policies", "this": "these"}
# Words that start with a vowel letter but not a vowel sound, and the other way round.
_A_BEFORE = ("one", "once", "uni", "use", "usu", "user", "eu", "ur")
_AN_BEFORE = ("hour", "honest", "honour", "heir", "fsync")
# A workspace's or run's status as it reads after "is" / "still": "it is still failing".
_ADJECTIVES = {
    "failed": "failing",
    "conflict": "in conflict",
    "stalled": "stalled",
    "success": "in sync",
    "never_synced": "never synced",
    "awaiting_resolution": "waiting for a decision",
    "awaiting_approval": "waiting for approval",
    "api": "down",
}
# A status as a label next to a name or a count: "networking in conflict", "2 in conflict".
_LABELS = {
    "conflict": "in conflict",
    "never_synced": "never synced",
    "awaiting_resolution": "waiting for a decision",
    "awaiting_approval": "waiting for approval",
}


def noun(n: int, singular: str, many: str | None = None) -> str:
    """The noun for `n` things: `singular` for exactly one, else its plural."""
    if n == 1:
        return singular
    if many is not None:
        return many
    if singular in _IRREGULAR:
        return _IRREGULAR[singular]
    if singular.endswith(("s", "x", "z", "ch", "sh")):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u"):
        return singular[:-1] + "ies"
    return singular + "s"


def plural(n: int, singular: str, many: str | None = None) -> str:
    """`1 workspace`, `2 workspaces`, `0 workspaces`."""
    return f"{n} {noun(n, singular, many)}"


def verb(n: int, one: str, many: str) -> str:
    """The verb that agrees with `n` things: verb(1, "needs", "need") is "needs"."""
    return one if n == 1 else many


def a_or_an(word: str) -> str:
    """`an operator`, `a viewer`, `a user`, `an hour`: the article by the sound, not the letter."""
    lower = word.lower().lstrip("*_`")
    if lower.startswith(_AN_BEFORE):
        article = "an"
    elif lower.startswith(_A_BEFORE):
        article = "a"
    else:
        article = "an" if lower[:1] in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {word}"


def adjective(status: str) -> str:
    """A status as it reads after "is" or "still": failed -> failing, conflict -> in conflict."""
    return _ADJECTIVES.get(status, status.replace("_", " "))


def label(status: str) -> str:
    """A status as a label after a name or a count: conflict -> in conflict, failed -> failed."""
    return _LABELS.get(status, status.replace("_", " "))


# What a config setting is called in a sentence (the wire names are for the API, not people).
SETTINGS = {
    "enabled": "sync",
    "sync_interval": "interval",
    "auto_apply": "auto-apply",
    "conflict_resolution": "conflict resolution",
}


def setting(key: str) -> str:
    """`auto_apply` is "auto-apply", `sync_interval` is "interval"."""
    return SETTINGS.get(key, key.replace("_", " "))

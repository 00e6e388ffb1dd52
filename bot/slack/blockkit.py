"""Block Kit as Slack enforces it: every rule fsync's messages and views must pass, as data.

`slack_sdk.models.blocks` checks many limits but lets through payloads that Slack refuses with
`invalid_blocks` (two buttons with one `action_id` in a block, a `mrkdwn` header, a 101-character
confirm title, a duplicate `block_id` ...). The rules below are Slack's own, each cited from the
Block Kit reference (docs.slack.dev/reference/block-kit, formerly api.slack.com/reference/
block-kit). The views, the fake Slack (`bot.devslack`) and the tests all use this one module, so
a payload Slack would refuse fails the suite instead of a real workspace.

Pure functions: `message_problems` / `view_problems` return a list of `Problem`s (empty when
Slack would accept the payload); `check_message` / `check_view` raise `InvalidBlocks`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block as SdkBlock

Json = Mapping[str, Any]

# Surfaces: "blocks: ... Max of 100 blocks" (reference/views/modal-views, home-tab-views);
# messages take 50 (chat.postMessage `blocks`; Slack's block JSON schema has maxItems 50).
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_ID = 255  # block_id and action_id: "Maximum length for this field is 255 characters."


@dataclass(frozen=True)
class Problem:
    where: str  # a JSON pointer into the payload, as Slack's `errors` give it
    rule: str

    def __str__(self) -> str:
        return f"{self.rule} [json-pointer:{self.where}]"


class InvalidBlocks(ValueError):
    """A payload Slack would answer `invalid_blocks`. A bug in a view, not something a user
    typed, so it is outside the FsyncError tree: `report_error` shows it as a reference id."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --- entry points ---------------------------------------------------------------------------
def message_problems(payload: Json) -> list[Problem]:
    """A chat.postMessage / chat.update / chat.postEphemeral / response_url payload."""
    blocks = payload.get("blocks")
    if blocks is None:
        return []
    found = []
    # chat.postMessage: with blocks, `text` is "used as a fallback string to display in
    # notifications"; Slack warns without it and screen readers read nothing. fsync requires it.
    if not str(payload.get("text") or "").strip():
        found.append(Problem("/text", "blocks are sent without a `text` fallback"))
    return found + blocks_problems(blocks, "message", "/blocks")


def view_problems(view: Json) -> list[Problem]:
    """A views.open / views.update / views.push / views.publish `view` (modal or home)."""
    kind = str(view.get("type") or "")
    if kind not in ("modal", "home"):
        return [Problem("/type", f"unknown view type {kind!r}")]
    found = []
    if kind == "modal":
        # modal-views: `title` required, "a plain_text text element with a max length of 24";
        # `close` and `submit` "Max length of 24 characters"; "submit is required when an
        # input block is within the blocks array".
        found += _text(view.get("title"), "/title", 24, plain=True, required=True)
        found += _text(view.get("close"), "/close", 24, plain=True)
        found += _text(view.get("submit"), "/submit", 24, plain=True)
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and not view.get("submit"):
            found.append(Problem("/submit", "a modal with input blocks needs `submit`"))
    # views: private_metadata "Max length of 3000 characters"; callback_id "255 characters".
    found += _length(view.get("private_metadata"), "/private_metadata", 3000)
    found += _length(view.get("callback_id"), "/callback_id", MAX_ID)
    return found + blocks_problems(view.get("blocks"), kind, "/blocks")


def ack_problems(body: Any) -> list[Problem]:
    """What Slack would refuse in the answer to a request: a slash command's reply
    (`invalid_command_response`) or a view_submission's `response_action` with a view."""
    if not isinstance(body, Mapping):
        return []
    action = body.get("response_action")
    if action in ("update", "push"):
        view = body.get("view")
        if not isinstance(view, Mapping):
            return [Problem("/view", f"response_action {action!r} without a view")]
        return [Problem("/view" + p.where, p.rule) for p in view_problems(view)]
    return message_problems(body)


def check_message(payload: Json) -> None:
    if found := message_problems(payload):
        raise InvalidBlocks(found)


def check_view(view: Json) -> None:
    if found := view_problems(view):
        raise InvalidBlocks(found)


def blocks_problems(blocks: Any, surface: str, where: str = "/blocks") -> list[Problem]:
    if not isinstance(blocks, list):
        return [Problem(where, "blocks must be an array")]
    limit = MAX_BLOCKS[surface]
    found = []
    if len(blocks) > limit:
        found.append(Problem(where, f"{len(blocks)} blocks; a {surface} takes at most {limit}"))
    for n, block in enumerate(blocks):
        found += _block(block, f"{where}/{n}")
    # Every block reference: block_id "should be unique for each message and each iteration
    # of a message" (and within a view: view state is keyed by block_id).
    ids = Counter(b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id"))
    twice = [str(i) for i, c in ids.items() if c > 1]
    found += [Problem(where, f"block_id {i!r} used more than once") for i in twice]
    return found + _sdk_problems(blocks, where)


# --- one block ------------------------------------------------------------------------------
def _block(block: Any, where: str) -> list[Problem]:
    if not isinstance(block, dict):
        return [Problem(where, "a block must be an object")]
    kind = block.get("type")
    found = _length(block.get("block_id"), f"{where}/block_id", MAX_ID, empty_ok=False)
    if kind == "section":
        # section block: text "Maximum length ... 3000 characters"; fields "Maximum number of
        # items is 10. Maximum length for the text in each item is 2000 characters"; text is
        # "not required if a valid array of fields objects is provided".
        fields = block.get("fields") or []
        found += _text(block.get("text"), f"{where}/text", 3000, required=not fields)
        if len(fields) > 10:
            found.append(Problem(f"{where}/fields", f"{len(fields)} fields; at most 10"))
        for n, item in enumerate(fields):
            found += _text(item, f"{where}/fields/{n}", 2000, required=True)
    elif kind == "header":
        # header block: "a plain_text text object. Maximum length ... 150 characters".
        found += _text(block.get("text"), f"{where}/text", 150, plain=True, required=True)
    elif kind == "context":
        # context block: elements "Maximum number of items is 10".
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            found.append(Problem(f"{where}/elements", f"{len(elements)} elements; 1 to 10"))
        for n, item in enumerate(elements):
            if isinstance(item, dict) and item.get("type") in ("mrkdwn", "plain_text"):
                found += _text(item, f"{where}/elements/{n}", 3000, required=True)
    elif kind == "actions":
        # actions block: "There is a maximum of 25 elements in each action block."
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            found.append(Problem(f"{where}/elements", f"{len(elements)} elements; 1 to 25"))
    elif kind == "input":
        # input block: label "a plain_text text object. Maximum length ... 2000 characters".
        found += _text(block.get("label"), f"{where}/label", 2000, plain=True, required=True)
    for path, element in _elements(block, where):
        found += _element(element, path)
    # Every interactive element: action_id "Should be unique among all other action_ids in
    # the containing block" (Slack answers invalid_blocks when two are the same).
    ids = Counter(e.get("action_id") for _, e in _elements(block, where) if e.get("action_id"))
    twice = [str(i) for i, c in ids.items() if c > 1]
    return found + [Problem(where, f"action_id {i!r} used more than once") for i in twice]


def _elements(block: Json, where: str) -> Iterator[tuple[str, Json]]:
    if block.get("type") == "actions":
        for n, element in enumerate(block.get("elements") or []):
            if isinstance(element, dict):
                yield f"{where}/elements/{n}", element
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            yield f"{where}/{key}", block[key]


def _element(element: Json, where: str) -> list[Problem]:
    # Every interactive element: action_id "Maximum length for this field is 255 characters."
    found = _length(element.get("action_id"), f"{where}/action_id", MAX_ID, empty_ok=False)
    if element.get("type") == "button":
        # button element: text "Can only be of type: plain_text. Maximum length ... 75";
        # value "Maximum length ... 2000"; url "Maximum length ... 3000".
        found += _text(element.get("text"), f"{where}/text", 75, plain=True, required=True)
        found += _length(element.get("value"), f"{where}/value", 2000)
        found += _length(element.get("url"), f"{where}/url", 3000)
    # select menus: placeholder "plain_text ... Maximum length ... 150"; options "Maximum
    # number of options is 100"; option object: text "plain_text ... in select menus ...
    # Maximum length ... 75", value "Maximum length ... 150".
    found += _text(element.get("placeholder"), f"{where}/placeholder", 150, plain=True)
    options = element.get("options") or []
    if len(options) > 100:
        found.append(Problem(f"{where}/options", f"{len(options)} options; at most 100"))
    select = str(element.get("type", "")).endswith("select")
    for n, option in enumerate([*options, element.get("initial_option")]):
        if isinstance(option, dict):
            path = f"{where}/options/{n}" if n < len(options) else f"{where}/initial_option"
            found += _text(option.get("text"), f"{path}/text", 75, plain=select, required=True)
            found += _length(option.get("value"), f"{path}/value", 150)
    if isinstance(element.get("confirm"), dict):
        found += _confirm(element["confirm"], f"{where}/confirm")
    return found


def _confirm(dialog: Json, where: str) -> list[Problem]:
    # confirmation dialog object: title "plain_text ... Maximum length ... 100"; text
    # "Maximum length ... 300"; confirm and deny "plain_text ... Maximum length ... 30".
    return [
        *_text(dialog.get("title"), f"{where}/title", 100, plain=True, required=True),
        *_text(dialog.get("text"), f"{where}/text", 300, required=True),
        *_text(dialog.get("confirm"), f"{where}/confirm", 30, plain=True, required=True),
        *_text(dialog.get("deny"), f"{where}/deny", 30, plain=True, required=True),
    ]


# --- leaves ---------------------------------------------------------------------------------
def _text(
    obj: Any, where: str, limit: int, *, plain: bool = False, required: bool = False
) -> list[Problem]:
    """A text object: `type` plain_text or mrkdwn, `text` between 1 and `limit` characters."""
    if obj is None:
        return [Problem(where, "required text is missing")] if required else []
    if not isinstance(obj, dict):
        return [Problem(where, "a text object must be an object")]
    kind = obj.get("type")
    if kind not in ("plain_text", "mrkdwn") or (plain and kind != "plain_text"):
        wanted = "plain_text" if plain else "plain_text or mrkdwn"
        return [Problem(f"{where}/type", f"must be {wanted}, not {kind!r}")]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        # text object: `text` is required and Slack's schema gives it minLength 1.
        return [Problem(f"{where}/text", "text must not be empty")]
    return _length(text, f"{where}/text", limit)


def _length(value: Any, where: str, limit: int, *, empty_ok: bool = True) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [Problem(where, "must be a string")]
    if not value and not empty_ok:
        return [Problem(where, "must not be empty")]
    if len(value) > limit:
        return [Problem(where, f"{len(value)} characters; at most {limit}")]
    return []


def _sdk_problems(blocks: list[Any], where: str) -> list[Problem]:
    """slack_sdk's own checks too (unknown block types, elements it knows Slack refuses)."""
    found = []
    for n, raw in enumerate(blocks):
        try:
            parsed = SdkBlock.parse(raw) if isinstance(raw, dict) else None
            if parsed is None:
                found.append(Problem(f"{where}/{n}", f"unknown block type {raw!r:.60}"))
                continue
            parsed.validate_json()
        except Exception as exc:  # SlackObjectFormationError, and KeyError/TypeError on junk
            found.append(Problem(f"{where}/{n}", f"{type(exc).__name__}: {exc}"))
    return found

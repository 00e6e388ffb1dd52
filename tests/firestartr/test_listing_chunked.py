"""A listing read a slice of its body at a time (bot/firestartr/chunked.py): the poller's peak
memory at 50,000 workspaces, and a body of any shape still read exactly as parsing it whole."""

from __future__ import annotations

import gc
import json
import logging
import tracemalloc
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UnexpectedResponse
from bot.firestartr import chunked

from .conftest import MakeClient
from .fakes import Script, reply
from .test_listing_reuse import listing, read_afresh

FLEET = 3_000  # ~750 KB: a dozen slices


def items_of(body: bytes) -> list[Any]:
    data = json.loads(body.decode("utf-8-sig"))
    return data["workspaces"] if isinstance(data, dict) else data


def served(body: bytes) -> Any:
    return reply(200, text=body.decode("utf-8"), content_type="application/json")


def read_twice(client: Any) -> tuple[Any, Any, int]:
    """Two listings, and the peak of Python allocations while the second was read (the first
    leaves the caches, interned names included, as a poller has them)."""
    first = client.list_workspaces()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        again = client.list_workspaces()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return first, again, peak


def test_an_unchanged_listing_is_read_without_every_item_as_a_dict_at_once(
    make_client: MakeClient,
) -> None:
    # Whole, a listing's dicts took ~780 bytes a workspace at once (39 MB at 50,000), on top
    # of what the poller holds: most of what kept its peak over "150 MB at 50,000".
    body = listing(FLEET)
    client = make_client(Script(served(body), served(body)))
    first, again, peak = read_twice(client)
    assert again == first and again[33].status == "failed"
    # The body itself is ~250 bytes a workspace; whole, the peak was ~1,180 (measured).
    assert peak / FLEET < 600, f"{peak / FLEET:.0f} bytes a workspace at the peak"


def _big(**overrides: Any) -> list[dict[str, Any]]:
    return [{**item, **overrides} for item in json.loads(listing(FLEET))["workspaces"]]


WITH_CUTS_IN_STRINGS = [
    {**item, "message": "a},{b} , {c" if i > FLEET // 2 else None} for i, item in enumerate(_big())
]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(json.dumps({"workspaces": _big()}).encode(), id="as json.dumps writes it"),
        pytest.param(
            json.dumps({"workspaces": _big()}, separators=(",", ":")).encode(), id="compact"
        ),
        pytest.param(json.dumps({"workspaces": _big()}, indent=2).encode(), id="indented"),
        pytest.param(json.dumps(_big(), indent="\t").encode(), id="a bare list, tabs"),
        pytest.param(
            b"\xef\xbb\xbf \r\n" + json.dumps({"workspaces": _big()}).encode() + b"\n",
            id="byte order mark and whitespace",
        ),
        pytest.param(
            json.dumps({"workspaces": _big(), "next": None, "total": FLEET}).encode(),
            id="keys after the list",
        ),
        pytest.param(json.dumps({"total": FLEET, "workspaces": _big()}).encode(), id="keys before"),
        pytest.param(
            json.dumps({"workspaces": WITH_CUTS_IN_STRINGS}).encode(),
            id="'},{' inside messages",
        ),
        pytest.param(
            json.dumps({"workspaces": _big(extra=[{"a": 1}, {"b": [2]}])}).encode(),
            id="objects nested in items",
        ),
        pytest.param(
            json.dumps(
                {"workspaces": _big(message="déjà vu ✓ \u2028")}, ensure_ascii=False
            ).encode(),
            id="utf-8 text",
        ),
    ],
)
def test_a_listing_of_any_shape_reads_as_parsing_it_whole(
    make_client: MakeClient, body: bytes
) -> None:
    assert len(body) > 8 * chunked.CHUNK
    client = make_client(Script(served(body), served(body)))
    expected = read_afresh(items_of(body))
    assert client.list_workspaces() == expected
    assert client.list_workspaces() == expected  # and again, unchanged items reused


def _broken_at(index: int, text: str) -> bytes:
    body = json.dumps({"workspaces": _big()}).encode()
    at = body.index(json.dumps(f"ws-{index:05d}").encode())
    return body[:at] + text.encode() + body[at:]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_broken_at(FLEET - 10, "[" * 5000 + "]" * 5000 + ", "), id="nested deep"),
        pytest.param(_broken_at(FLEET - 10, "{not json"), id="not json near the end"),
        pytest.param(json.dumps({"workspaces": _big()}).encode()[:-20], id="cut short"),
        pytest.param(json.dumps({"workspaces": _big()}).encode()[:-2] + b",]}", id="a last ','"),
        pytest.param(
            json.dumps({"workspaces": _big()}).encode().replace(b"}, {", b"} {", 1),
            id="a ',' missing",
        ),
        pytest.param(json.dumps({"workspaces": _big()}).encode() + b"]", id="one ']' too many"),
    ],
)
def test_a_listing_broken_after_its_first_slices_is_unexpected_not_half_read(
    make_client: MakeClient, body: bytes
) -> None:
    good = json.dumps({"workspaces": _big()}).encode()
    client = make_client(Script(served(good), served(body), served(good)))
    before = client.list_workspaces()
    with pytest.raises(UnexpectedResponse):
        client.list_workspaces()
    after = client.list_workspaces()
    assert after == before and all(a is b for a, b in zip(after, before, strict=True))


def test_unreadable_entries_are_logged_once_even_when_the_body_is_read_again_whole(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    items: list[Any] = list(WITH_CUTS_IN_STRINGS)  # read in slices, then whole
    items[5:5] = ["junk", {"status": "success"}]
    client = make_client(Script(served(json.dumps({"workspaces": items}).encode())))
    with caplog.at_level(logging.WARNING, logger="bot.firestartr.reading"):
        fleet = client.list_workspaces()
    assert len(fleet) == FLEET
    assert [r.getMessage() for r in caplog.records] == [
        "Skipped 2 unreadable workspaces entries from the Sync API"
    ]


TEXT = st.text(alphabet=st.sampled_from('{}[],: "\\\tab\u00e9'), max_size=8)
VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)
ITEMS = st.lists(st.one_of(st.dictionaries(TEXT, VALUE, max_size=4), VALUE), max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    ITEMS,
    st.sampled_from([None, 0, 1, "\t", "\r\n"]),
    st.booleans(),
    st.integers(1, 40),
)
def test_slices_are_the_items_in_order_or_the_body_is_left_to_parse_whole(
    items: list[Any], indent: Any, bare: bool, size: int
) -> None:
    body = json.dumps(items if bare else {"workspaces": items}, indent=indent).encode()
    try:
        read = [item for part in chunked.chunks(body, "workspaces", size) for item in part]
    except chunked.NotChunked:
        return
    assert read == items


def test_a_listing_without_braces_in_its_strings_is_read_in_slices() -> None:
    body = listing(FLEET)
    parts = list(chunked.chunks(body, "workspaces"))
    assert len(parts) >= 8
    assert [item for part in parts for item in part] == items_of(body)


def test_a_listing_that_arrives_in_pieces_is_held_once_while_read(make_client: MakeClient) -> None:
    # httpx's own read joined a list of every piece: the body twice at once (25 MB at 50,000);
    # here 2.02 times the body at the peak with it, 1.66 without (measured).
    body = listing(FLEET)

    def pieces(request: Any) -> Any:
        chunks = (body[i : i + 16_384] for i in range(0, len(body), 16_384))
        headers = {"content-type": "application/json", "content-length": str(len(body))}
        return httpx.Response(200, content=chunks, headers=headers)

    client = make_client(pieces)
    first, again, peak = read_twice(client)
    assert again == first
    assert peak < 1.8 * len(body), f"{peak / len(body):.2f} times the body at the peak"


def test_a_body_shorter_or_longer_than_announced_is_read_as_it_came(
    make_client: MakeClient,
) -> None:
    body = listing(50)
    for announced in (len(body) * 2, len(body) // 2, 0):

        def pieces(request: Any, announced: int = announced) -> Any:
            chunks = (body[i : i + 1000] for i in range(0, len(body), 1000))
            return httpx.Response(200, content=chunks, headers={"content-length": str(announced)})

        fleet = make_client(pieces).list_workspaces()
        assert [w.name for w in fleet] == [i["name"] for i in items_of(body)]

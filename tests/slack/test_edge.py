"""The HTTP edge: 401 before anything in an unsigned body is read, 413 before a big body is read
in full, 400 (never 500, never a traceback) for a signed body Slack would never send, and a
replayed signed request acted on once."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from slack_bolt import BoltRequest

from bot.slack import edge
from tests.fakes import FakeSlack
from tests.slack.conftest import Fsync, start_fsync
from tests.support import slackreq
from tests.support.botproc import ADMIN
from tests.support.simproc import SimProcess

SECRET = slackreq.SIGNING_SECRET
NOW = 1_700_000_000
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


# --- the pure checks, as data ------------------------------------------------------------------


def signed(body: bytes, ts: int = NOW) -> tuple[str, str]:
    return str(ts), edge.sign(SECRET, str(ts), body)


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        (None, "good", "X-Slack-Request-Timestamp"),
        ("", "good", "X-Slack-Request-Timestamp"),
        ("abc", "good", "X-Slack-Request-Timestamp"),
        ("1e9", "good", "X-Slack-Request-Timestamp"),
        (f" {NOW}", "good", "X-Slack-Request-Timestamp"),
        (f"+{NOW}", "good", "X-Slack-Request-Timestamp"),
        ("１７００", "good", "X-Slack-Request-Timestamp"),  # full-width digits: int() takes them
        (str(NOW), None, "X-Slack-Signature"),
        (str(NOW), "", "X-Slack-Signature"),
        (str(NOW), "v1=" + "0" * 64, "X-Slack-Signature"),
        (str(NOW), "v0=" + "0" * 64, "does not match"),
        (str(NOW - 301), "good", "5-minute window"),
        (str(NOW + 301), "good", "5-minute window"),
    ],
)
def test_verify_refuses_missing_malformed_stale_and_wrong(
    timestamp: str | None, signature: str | None, reason: str
) -> None:
    body = b"command=%2Ffsync&text=help"
    if signature == "good":
        signature = edge.sign(SECRET, (timestamp or "0").strip().lstrip("+"), body)
    with pytest.raises(edge.Refused) as refused:
        edge.verify(SECRET, timestamp, signature, body, now=NOW)
    assert refused.value.status == 401 and reason in refused.value.reason


def test_verify_accepts_slacks_signature_and_nothing_else() -> None:
    body = b"command=%2Ffsync&text=help"
    ts, sig = signed(body, NOW - 299)
    assert edge.verify(SECRET, ts, sig, body, now=NOW) == NOW - 299
    for other_secret, other_body in (("another-secret", body), (SECRET, body + b"x")):
        with pytest.raises(edge.Refused):
            edge.verify(other_secret, ts, sig, other_body, now=NOW)
    with pytest.raises(edge.Refused):
        edge.verify("", ts, sig, body, now=NOW)  # no secret configured: nothing is signed


def test_verify_matches_slacks_published_test_vector() -> None:
    vector = slackreq.sample("signature_test_vector.json")
    ts, body = vector["x_slack_request_timestamp"], vector["raw_body"].encode()
    expected = vector["expected_x_slack_signature"]
    assert edge.sign(vector["signing_secret"], ts, body) == expected
    assert edge.verify(vector["signing_secret"], ts, expected, body, now=int(ts) + 10) == int(ts)


GOOD_BODIES = [
    (slackreq.command_body("help", user="U1", channel="C1", response_url="https://x/r"), None),
    (slackreq.interactive_body({"type": "block_actions", "actions": [{"action_id": "a"}]}), None),
    (json.dumps(slackreq.home_opened("U1")), "application/json"),
    (json.dumps({"type": "url_verification", "challenge": "c"}), None),  # a leading "{": JSON
]


@pytest.mark.parametrize(("body", "content_type"), GOOD_BODIES)
def test_parse_reads_what_slack_sends_as_bolt_does(body: str, content_type: str | None) -> None:
    parsed = edge.parse(body.encode(), content_type)
    request = BoltRequest(body=body, headers={"content-type": content_type or FORM["Content-Type"]})
    assert parsed == request.body


MALFORMED = {
    "form labelled JSON": ("command=%2Ffsync&text=help", "application/json"),
    "payload=notjson": ("payload=notjson", None),
    "JSON array": ('[{"type": "block_actions"}]', "application/json"),
    "payload is a JSON array": ("payload=%5B1%5D", None),
    "not UTF-8": (b"text=\xff\xfe", None),
    "empty": ("", None),
    "actions not a list": (json.dumps({"type": "block_actions", "actions": "x"}), None),
    "click without actions": (json.dumps({"type": "block_actions", "actions": []}), None),
    "action_id a number": (
        json.dumps({"type": "block_actions", "actions": [{"action_id": 1}]}),
        None,
    ),
    "user a string": (json.dumps({"type": "block_actions", "user": "U1", "actions": [{}]}), None),
    "event missing": (json.dumps({"type": "event_callback", "event": None}), None),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_parse_refuses_what_slack_never_sends_with_400(case: str) -> None:
    body, content_type = MALFORMED[case]
    raw = body if isinstance(body, bytes) else body.encode()
    with pytest.raises(edge.Refused) as refused:
        edge.parse(raw, content_type)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("length", "status"),
    [
        (None, None),
        ("0", None),
        (str(edge.MAX_BODY), None),
        (str(edge.MAX_BODY + 1), 413),
        ("52428800", 413),
        ("abc", 400),
        ("-1", 400),
    ],
)
def test_check_length_refuses_a_big_body_before_reading_it(
    length: str | None, status: int | None
) -> None:
    if status is None:
        edge.check_length(length)
        return
    with pytest.raises(edge.Refused) as refused:
        edge.check_length(length)
    assert refused.value.status == status


def test_read_capped_stops_reading_a_stream_at_the_limit() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        while True:
            read += 1
            yield b"x" * 1024

    with pytest.raises(edge.Refused) as refused:
        asyncio.run(edge.read_capped(endless(), limit=10 * 1024))
    assert refused.value.status == 413 and read == 11

    async def small() -> AsyncIterator[bytes]:
        for part in (b"a", b"b", b"c"):
            yield part

    assert asyncio.run(edge.read_capped(small(), limit=3)) == b"abc"


# --- through the HTTP app -------------------------------------------------------------------------


def attacker_body(slack: FakeSlack) -> str:
    """A command whose response_url and legacy token an attacker chose."""
    return slackreq.command_body(
        "status", user=ADMIN, channel="C1", response_url=slack.response_url("attacker")
    )


def bad_headers(body: str) -> Iterator[tuple[str, dict[str, str]]]:
    good = slackreq.sign(body)
    ts, sig = good["X-Slack-Request-Timestamp"], good["X-Slack-Signature"]
    yield "no headers", {}
    yield "timestamp missing", {"X-Slack-Signature": sig}
    for value in ("abc", "", "1e9"):
        yield f"timestamp {value!r}", {"X-Slack-Request-Timestamp": value, "X-Slack-Signature": sig}
    yield (
        "wrong signature",
        {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + "1" * 64},
    )
    yield "signature of another body", slackreq.sign(body + "&x=1")
    yield "stale", slackreq.sign(body, timestamp=int(time.time()) - 600)


def assert_log_holds_nothing_of(text: str, body: str, slack: FakeSlack) -> None:
    sample = slackreq.sample("slash_command.parsed.json")
    for secret in (body, sample["token"], slack.response_url("attacker"), "/response/", "v0="):
        assert secret not in text


def test_unverified_requests_answer_401_and_nothing_is_sent_or_logged(
    fsync: Fsync, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")  # as in production
    body = attacker_body(slack)
    for case, headers in bad_headers(body):
        caplog.clear()
        answer = fsync.post(body, {**headers, **FORM})
        assert (case, answer.status) == (case, 401)
        refusals = [r for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) <= 1, case  # one line (or none: a flood is summarised once a second)
        assert_log_holds_nothing_of(caplog.text, body, slack)
    fsync.drain()
    assert slack.calls == []


def test_bolts_own_signature_check_never_logs_the_body(
    fsync: Fsync, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")
    body = attacker_body(slack)
    answer = fsync.dispatch(body, {**slackreq.sign(body, secret="not-the-secret"), **FORM})
    assert answer.status == 401
    assert "invalid signature" in caplog.text
    assert_log_holds_nothing_of(caplog.text, body, slack)


def test_a_body_over_the_limit_is_refused_413_before_it_is_read(fsync: Fsync) -> None:
    announced = fsync.post(b"x" * 1000, {"Content-Length": str(50 * 1024 * 1024), **FORM})
    assert (announced.status, announced.chunks_read) == (413, 0)

    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 65536

    chunked = fsync.post(endless(), FORM, timeout=5)
    assert chunked.status == 413 and chunked.chunks_read == edge.MAX_BODY // 65536 + 1


@pytest.mark.parametrize("case", ["form labelled JSON", "payload=notjson", "JSON array"])
def test_signed_malformed_bodies_answer_400_without_a_traceback(
    case: str, fsync: Fsync, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body, content_type = MALFORMED[case]
    headers = {**slackreq.sign(body), "Content-Type": content_type or FORM["Content-Type"]}
    answer = fsync.post(body, headers)
    assert answer.status == 400
    assert not any(r.exc_info for r in caplog.records) and "Traceback" not in caplog.text
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    fsync.drain()
    assert slack.calls == []


def sync_triggers(sim: SimProcess) -> list[dict]:
    return [r for r in sim.requests() if r["method"] == "POST" and r["path"].endswith("/sync")]


def test_a_replayed_signed_command_is_acknowledged_and_ignored_even_after_a_restart(
    fsync: Fsync, slack: FakeSlack, sim: SimProcess, settings
) -> None:
    body = slackreq.command_body(
        "sync dev", user=ADMIN, channel="CCHAN0001", response_url=slack.response_url("replay")
    )
    headers = {**slackreq.sign(body), **FORM}
    answers = [fsync.post(body, headers) for _ in range(3)]
    assert [(a.status, a.body) for a in answers] == [(200, b"")] * 3
    fsync.drain()
    assert len(sync_triggers(sim)) == 1
    assert len(slack.posts_in("CCHAN0001")) == 1

    # A restart: new objects, the same database file.
    fsync.stop()
    again = start_fsync(settings, slack)
    try:
        assert again.post(body, headers).status == 200
        again.drain()
    finally:
        again.stop()
    assert len(sync_triggers(sim)) == 1
    assert len(slack.posts_in("CCHAN0001")) == 1

"""The fake Slack takes a file the way `WebClient.files_upload_v2` sends it (ask for a URL, POST
the bytes, complete) and refuses, as Slack does, what Slack refuses along the way."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from urllib.error import HTTPError

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes import FakeSlack

CHANNEL = "C0DIGEST"


def png(width: int = 3, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(server: FakeSlack) -> FakeSlack:
    server.reset()
    return server


def web(slack: FakeSlack) -> WebClient:
    return WebClient(base_url=slack.api_url, token="xoxb-devslack-test")


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


def asked(slack: FakeSlack, length: int, filename: str = "chart.png") -> tuple[str, str]:
    got = web(slack).files_getUploadURLExternal(filename=filename, length=length)
    return str(got["file_id"]), str(got["upload_url"])


def test_files_upload_v2_shares_the_png_in_the_channel_with_its_bytes(slack: FakeSlack) -> None:
    picture = png()

    answer = web(slack).files_upload_v2(
        channel=CHANNEL,
        content=picture,
        filename="week.png",
        title="Worst workspaces this week",
        initial_comment="The week in one picture",
    )

    assert answer["ok"] is True and answer["file"]["title"] == "Worst workspaces this week"
    steps = [c.method for c in slack.calls]
    assert steps == ["files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]
    [shared] = slack.files_in(CHANNEL)
    assert shared.data == picture and shared.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", shared.data[16:24]) == (3, 2)  # IHDR: width, height
    [message] = slack.channel_messages(CHANNEL)
    assert message["text"] == "The week in one picture"
    assert [f["id"] for f in message["files"]] == [answer["file"]["id"]]
    assert message["files"][0]["mimetype"] == "image/png"


def test_a_file_completed_with_a_thread_ts_is_a_reply_in_that_thread(slack: FakeSlack) -> None:
    root = web(slack).chat_postMessage(channel=CHANNEL, text="Weekly digest")["ts"]

    web(slack).files_upload_v2(
        channel=CHANNEL, content=png(), filename="w.png", title="w", thread_ts=root
    )

    replies = [m for m in slack.channel_messages(CHANNEL) if m.get("files")]
    assert [m["thread_ts"] for m in replies] == [root]


def test_a_file_completed_without_a_channel_stays_private(slack: FakeSlack) -> None:
    """ "If the channel_id is not specified, the file will remain private." (no error)"""
    answer = web(slack).files_upload_v2(content=png(), filename="p.png", title="private")

    assert answer["ok"] is True
    assert slack.files.get(answer["file"]["id"]).data == png()
    assert slack.messages == {} and slack.files_in(CHANNEL) == []


def test_completing_a_file_id_never_asked_for_is_file_not_found(slack: FakeSlack) -> None:
    client = web(slack)

    error = error_of(lambda: client.files_completeUploadExternal(files=[{"id": "F0NOSUCH"}]))

    assert error == "file_not_found"
    assert slack.channel_messages(CHANNEL) == []


def test_completing_twice_is_refused_and_shares_once(slack: FakeSlack) -> None:
    """ "This method can only be called once.\""""
    client = web(slack)
    first = client.files_upload_v2(channel=CHANNEL, content=png(), filename="a.png", title="a")
    again = [{"id": first["file"]["id"], "title": "a"}]

    error = error_of(lambda: client.files_completeUploadExternal(files=again, channel_id=CHANNEL))

    assert error == "file_not_found"
    assert len(slack.channel_messages(CHANNEL)) == 1


def test_bytes_other_than_the_length_announced_are_refused_and_nothing_is_shared(
    slack: FakeSlack,
) -> None:
    picture = png()
    file_id, url = asked(slack, length=len(picture) + 1)

    short = httpx.post(url, content=picture)
    error = error_of(
        lambda: web(slack).files_completeUploadExternal(files=[{"id": file_id}], channel_id=CHANNEL)
    )

    assert short.status_code == 400 and "announced" in short.text
    assert error == "file_not_found"  # nothing arrived to share
    assert slack.files_in(CHANNEL) == []


def test_completing_before_the_bytes_arrived_is_refused(slack: FakeSlack) -> None:
    file_id, _ = asked(slack, length=10)

    error = error_of(
        lambda: web(slack).files_completeUploadExternal(files=[{"id": file_id}], channel_id=CHANNEL)
    )

    assert error == "file_not_found"


def test_an_upload_url_takes_one_file_and_only_its_own(slack: FakeSlack) -> None:
    picture = png()
    _, url = asked(slack, length=len(picture))

    first = httpx.post(url, content=picture)
    second = httpx.post(url, content=picture)
    stranger = httpx.post(f"{slack.url}/upload/v1/F0NOSUCH", content=picture)

    assert (first.status_code, second.status_code, stranger.status_code) == (200, 409, 404)


def test_a_multipart_upload_is_taken_like_raw_bytes(slack: FakeSlack) -> None:
    """ "Files can be sent as raw bytes or can be multipart form encoded.\""""
    picture = png()
    file_id, url = asked(slack, length=len(picture))

    sent = httpx.post(url, files={"filename": ("chart.png", picture, "image/png")})

    assert sent.status_code == 200
    assert slack.files.get(file_id).data == picture


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"filename": "a.png", "length": 0}, "missing_argument"),  # "when the `length` ... is 0"
        ({"filename": "", "length": 5}, "invalid_arguments"),
        ({"filename": "a.png", "length": "five"}, "invalid_arguments"),
        ({"filename": "a.png", "length": 5, "alt_txt": "x" * 1001}, "alt_txt_too_large"),
        ({"filename": "a.py", "length": 2_000_000, "snippet_type": "python"}, "snippet_too_large"),
    ],
)
def test_an_upload_url_asked_for_wrongly_is_refused(
    slack: FakeSlack, arguments: dict, error: str
) -> None:
    client = web(slack)

    assert (
        error_of(lambda: client.api_call("files.getUploadURLExternal", params=arguments)) == error
    )


def test_an_alt_txt_of_1000_characters_is_fine(slack: FakeSlack) -> None:
    got = web(slack).files_getUploadURLExternal(filename="a.png", length=5, alt_txt="x" * 1000)

    assert got["ok"] is True and got["upload_url"].startswith(slack.url + "/upload/v1/")


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"channel_id": "general"}, "channel_not_found"),  # "Value passed ... was invalid"
        ({"channels": ",".join(f"C{i:04d}" for i in range(101))}, "channels_limit_exceeded"),
        ({"channels": "C0001,C0002", "thread_ts": "1700000000.000001"}, "invalid_arguments"),
        ({"channel_id": CHANNEL, "blocks": '[{"type": "nonsense"}]'}, "invalid_blocks"),
    ],
)
def test_a_completion_slack_would_refuse_is_refused_and_the_file_stays_unshared(
    slack: FakeSlack, extra: dict, error: str
) -> None:
    picture = png()
    file_id, url = asked(slack, length=len(picture))
    httpx.post(url, content=picture)
    params = {"files": f'[{{"id": "{file_id}"}}]', **extra}

    got = error_of(lambda: web(slack).api_call("files.completeUploadExternal", params=params))

    assert got == error
    assert slack.messages == {} and not slack.files.get(file_id).completed


@pytest.mark.parametrize("files", ["[]", "not json", '[{"title": "no id"}]'])
def test_a_completion_without_a_proper_files_array_is_invalid_arguments(
    slack: FakeSlack, files: str
) -> None:
    params = {"files": files, "channel_id": CHANNEL}

    error = error_of(lambda: web(slack).api_call("files.completeUploadExternal", params=params))

    assert error == "invalid_arguments"


def test_an_upload_can_be_made_to_fail_like_any_call(slack: FakeSlack) -> None:
    slack.fail("upload_url", status=500)

    with pytest.raises(HTTPError) as raised:
        web(slack).files_upload_v2(channel=CHANNEL, content=png(), filename="f.png", title="f")

    assert raised.value.code == 500
    assert slack.files_in(CHANNEL) == [] and slack.of("files.completeUploadExternal") == []

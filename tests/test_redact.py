"""URLs lose their user:password part wherever fsync prints or logs them."""

from __future__ import annotations

import logging

import pytest

from bot import redact

CASES = [
    ("https://user:pass@host.example/v1", "https://***@host.example/v1"),
    ("http://user:p@ss@10.0.0.1:8080/api/", "http://***@10.0.0.1:8080/api/"),
    ("Sync API at https://token@host: refused", "Sync API at https://***@host: refused"),
    ("url: HTTP://A:B@h/x and https://c:d@k", "url: HTTP://***@h/x and https://***@k"),
    ("https://host.example/path?email=a@b.c", "https://host.example/path?email=a@b.c"),
    ("mail ops@example.com about http://host/", "mail ops@example.com about http://host/"),
    ("no url here", "no url here"),
]


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_url_userinfo_is_redacted(text: str, shown: str) -> None:
    assert redact.url(text) == shown


def test_log_lines_and_their_tracebacks_are_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "calling %s", ("http://u:pw@h/",), None
    )
    try:
        raise ValueError("cannot open http://u:pw@h/api")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    text = redact.RedactingFormatter("%(message)s").format(record)
    assert "pw" not in text and "calling http://***@h/" in text and "http://***@h/api" in text

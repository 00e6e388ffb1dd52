"""`/fsync` text as Slack sends it with `should_escape: true`: mentions as ids, links as
`<url|label>`, `&`, `<`, `>` escaped. Every subcommand reads it back, and a mention where a
workspace belongs is a clear usage error, never a crash."""

from __future__ import annotations

import pytest

from bot.core.command import (
    Audit,
    ChangeConfig,
    Command,
    Conflicts,
    Mute,
    Notify,
    Owners,
    SetOwners,
    ShowConfig,
    Status,
    Subscribe,
    Sync,
    Unmute,
    Unsubscribe,
)
from bot.core.escaped import Piece, split
from bot.core.parser import parse
from bot.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U123|ana>", Piece("@ana", "user", "U123")),
        ("<@U123>", Piece("@U123", "user", "U123")),
        ("<@W0ENT1|bo>", Piece("@bo", "user", "W0ENT1")),
        ("<!subteam^S123|@platform>", Piece("@platform", "group", "S123")),
        ("<!subteam^S123>", Piece("@S123", "group", "S123")),
        ("<#C123|ops>", Piece("#ops", "channel", "C123")),
        ("<!here>", Piece("@here", "special", "here")),
        ("<!channel>", Piece("@channel", "special", "channel")),
        ("<!everyone|everyone>", Piece("@everyone", "special", "everyone")),
        ("<https://x.example/a?b=1&amp;c=2|the docs>", Piece("the docs", "link")),
        ("<http://staging.eu|staging.eu>", Piece("staging.eu", "link")),
        ("<http://staging.eu>", Piece("staging.eu", "link")),
        ("<mailto:a@b.example|a@b.example>", Piece("a@b.example", "link")),
        ("<!date^1700000000^{date}|Nov 14>", Piece("Nov 14")),
        ("a&amp;b&lt;c&gt;", Piece("a&b<c>")),
        ("a<b", Piece("a<b")),  # not an entity: one word, as typed
    ],
)
def test_each_escaped_form_reads_back(text: str, expected: Piece) -> None:
    assert split(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status <http://staging.eu|staging.eu>", Status("staging.eu")),
        ("sync <http://dev.local|dev.local>", Sync("dev.local")),
        ("config <http://a.io|a.io>", ShowConfig("a.io")),
        (
            "config staging interval=2 hours auto_apply=off",
            ChangeConfig("staging", {"sync_interval": "2h", "auto_apply": False}),
        ),
        ("conflicts <http://prod.eu|prod.eu>", Conflicts("prod.eu")),
        ("audit dev", Audit("dev")),
        ("subscribe prod* failed", Subscribe("prod*", ("failed",))),
        ("unsubscribe prod*", Unsubscribe("prod*", ())),
        ("unmute dev", Unmute("dev")),
        # A reason is free text: a mention in it is kept as words (echoed escaped, it calls no one).
        ("mute dev 2h ask <@U1|ana> in <#C1|ops>", Mute("dev", 7200, "ask @ana in #ops")),
        ("mute dev 1h see <https://x.example/i/1|incident 1>", Mute("dev", 3600, "see incident 1")),
        ("owners", Owners()),
        ("owners prod*", Owners("prod*")),
        ("owners prod* <@U123|ana> <!subteam^S9|@platform>", SetOwners("prod*", ("U123", "S9"))),
        ("owners prod* <@U123> <@U123|ana>", SetOwners("prod*", ("U123",))),
        ("owners prod* none", SetOwners("prod*", ())),
        ("notify", Notify()),
        ("notify off", Notify(False)),
        ("NOTIFY On", Notify(True)),
    ],
)
def test_escaped_text_parses(text: str, expected: Command) -> None:
    got = parse(text)
    assert type(got) is type(expected) and got == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("status <#C1|x>", "not a mention like `#x`"),
        ("sync <@U1|ana>", "not a mention like `@ana`"),
        ("conflicts <!here>", "not a mention like `@here`"),
        ("audit <!subteam^S1|@ops>", "not a mention like `@ops`"),
        ("config <#C1|x> enabled=on", "not a mention"),
        ("subscribe <#C1|ops>", "not a mention"),
        ("mute <!channel> 1h", "not a mention"),
        ("unmute <@U1>", "not a mention"),
        ("owners <@U1> <@U2>", "not a mention"),
        ("owners prod* <!here>", "would notify everyone"),
        ("owners prod* <!channel>", "would notify everyone"),
        ("owners prod* <!everyone>", "would notify everyone"),
        ("owners prod* <#C1|ops>", "is a channel"),
        ("owners prod* @ana", "plain text, not as a Slack mention"),
        ("owners prod* ana", "is not a person or user group"),
        ("owners prod* <@U1> none", "clears the owners on its own"),
        ("owners prod* " + " ".join(f"<@U{n}>" for n in range(11)), "At most 10 owners"),
        ("owners ../x <@U1>", "is not a workspace name or pattern"),
        ("notify maybe", "takes `on` or `off`"),
    ],
)
def test_mentions_where_they_do_not_belong_are_refused_clearly(text: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert says in caught.value.user_message

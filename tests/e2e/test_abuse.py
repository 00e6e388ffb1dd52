"""One person cannot spend the Sync API budget: a few syncs a minute, and the others go on."""

from __future__ import annotations

from tests.support.botproc import OPERATOR, OPERATOR3, BotProcess
from tests.support.simproc import SimProcess


def test_one_user_gets_a_few_syncs_a_minute_and_others_still_can(
    bot: BotProcess, e2e_sim: SimProcess
) -> None:
    for name in (
        "dev",
        "staging",
        "networking",
        "data-platform",
        "observability",
        "billing-api",
        "dev",
        "staging",
    ):
        bot.command(f"sync {name}", user=OPERATOR3)
    refusals = bot.slack.wait_for(
        "response_url", lambda c: "Try again in" in c.args["text"], count=3, timeout=15
    )
    assert "syncs in the last minute" in refusals[0].args["text"]
    triggers = [r for r in e2e_sim.requests() if r["path"].endswith("/sync")]
    assert len(triggers) == 5
    _, name = bot.command("status", user=OPERATOR)
    assert bot.responses(name)

"""With SLACK_APP_TOKEN set, `fsync-bot run` connects in Socket Mode, through SLACK_API_URL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes import FakeSlack
from tests.support.simproc import SimProcess


def test_socket_mode_opens_its_connection_through_the_configured_slack(tmp_path: Path) -> None:
    slack = FakeSlack().start()
    proc = None
    try:
        with SimProcess(key="sock-key") as sim:
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("SLACK_", "FIRESTARTR_", "FSYNC_"))
            }
            env.update(
                {
                    "SLACK_BOT_TOKEN": "xoxb-sock-test",
                    "SLACK_APP_TOKEN": "xapp-sock-test",
                    "SLACK_API_URL": slack.api_url,
                    "FIRESTARTR_API_URL": sim.url,
                    "FIRESTARTR_API_KEY": sim.key,
                    "FSYNC_DB_PATH": str(tmp_path / "s.db"),
                    "FSYNC_POLL_INTERVAL": "3600",
                }
            )
            log = (tmp_path / "sock.log").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            calls = slack.wait_for("apps.connections.open", timeout=20)
            assert calls[0].auth == "Bearer xapp-sock-test"
            assert proc.poll() is None  # no Socket Mode server here: it keeps retrying, alive
            time.sleep(0.2)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        slack.stop()

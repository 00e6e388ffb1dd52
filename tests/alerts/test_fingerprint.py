from __future__ import annotations

import pytest

from bot.alerts.fingerprint import fingerprint


@pytest.mark.parametrize(
    ("message", "workspace", "expected"),
    [
        (None, "a", ""),
        ("", "a", ""),
        ("disk full", "a", "disk full"),
        ("timeout after 30s", "a", "timeout after <duration>"),
        ("timeout after 2 minutes", "a", "timeout after <duration>"),
        ("at 2025-10-13T14:10:41Z it broke", "a", "at <time> it broke"),
        ("at 14:10:41 it broke", "a", "at <time> it broke"),
        ("lock 8f1c2a7e-5b3d-4c1e-9a0f-2d6e7b8c9d10 held", "a", "lock <id> held"),
        ("RequestID: 7Q2K9D4T1V3B5N8M, api error", "a", "RequestID: <id>, api error"),
        ("run run_01J9ZK2W7D failed", "a", "run <id> failed"),
        ("StatusCode: 403", "a", "StatusCode: <n>"),
        (
            "bucket firestartr-billing-api-artifacts",
            "billing-api",
            "bucket firestartr-<workspace>-artifacts",
        ),
        ("  many   spaces\n", "a", "many spaces"),
        # Digits inside a word are part of the name: EC2, S3, IPv4, aws_ec2_instance, Route53.
        ("creating EC2 Instance", "a", "creating EC2 Instance"),
        ("reading S3 Bucket: HTTP 403", "a", "reading S3 Bucket: HTTP <n>"),
        ("no IPv4 address in 10.0.0.0/8", "a", "no IPv4 address in <n>/<n>"),
        ("aws_ec2_instance.web and Route53", "a", "aws_ec2_instance.web and Route53"),
        ("2 resources changed", "a", "<n> resources changed"),
        ("held by sync-worker-3", "a", "held by <id>"),
    ],
)
def test_fingerprint_strips_what_varies(message: str | None, workspace: str, expected: str) -> None:
    assert fingerprint(message, workspace) == expected


def test_same_error_in_two_workspaces_has_one_fingerprint() -> None:
    template = "Error acquiring the state lock: Path: tfstate/{ws}/terraform.tfstate, ID: {id}"
    one = fingerprint(template.format(ws="ws-0001", id="8f1c2a7e55"), "ws-0001")
    two = fingerprint(template.format(ws="billing", id="0a9b8c7d66"), "billing")
    assert one == two


def test_different_errors_differ() -> None:
    assert fingerprint("disk full") != fingerprint("permission denied")

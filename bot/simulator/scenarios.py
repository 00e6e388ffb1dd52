"""Realistic Terraform outcomes: failure texts, success summaries and drift diffs.

Texts follow what Terraform and the AWS provider really print, so the Slack side is exercised
with long, punctuated, multi-clause messages rather than "error 1".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

FAILURE_MESSAGES = (
    "Error acquiring the state lock: ConditionalCheckFailedException: The conditional request "
    "failed. Lock Info: ID: 8f1c2a7e-5b3d-4c1e-9a0f-2d6e7b8c9d10, Path: "
    "firestartr-tfstate/{workspace}/terraform.tfstate, Operation: OperationTypeApply, "
    "Who: runner@sync-worker-3",
    "Error: creating EC2 Instance: UnauthorizedOperation: You are not authorized to perform this "
    "operation. Encoded authorization failure message: 4GIOHlTkIaWHQD0Q0m6XSnuUMCm-abXYZ",
    "Error: reading S3 Bucket (firestartr-{workspace}-artifacts): operation error S3: "
    "HeadBucket, https response error StatusCode: 403, RequestID: 7Q2K9D4T1V3B5N8M, api error "
    "Forbidden: Forbidden",
    "Error: Provider produced inconsistent final plan: When expanding the plan for "
    "aws_ecs_service.api to include new values learned so far during apply, provider "
    '"registry.terraform.io/hashicorp/aws" produced an invalid new value for .task_definition',
    "Error: error configuring Terraform AWS Provider: failed to refresh cached credentials, "
    "operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, "
    "api error ExpiredTokenException: Token expired",
)

SUCCESS_MESSAGES = (
    "No changes. Your infrastructure matches the configuration.",
    "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.",
    "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.",
)


@dataclass(frozen=True, slots=True)
class Drift:
    type: str
    summary: str
    resources: tuple[dict[str, Any], ...]


def _attr(path: str, desired: Any, actual: Any, sensitive: bool = False) -> dict[str, Any]:
    return {"path": path, "desired": desired, "actual": actual, "sensitive": sensitive}


# The first one is the default fleet's `networking` conflict; it carries a sensitive attribute so
# that a client hiding secrets is exercised from the very first screen.
DRIFTS = (
    Drift(
        "drift",
        "2 resources changed outside Terraform",
        (
            {
                "address": "aws_security_group.app",
                "action": "update",
                "changed_attributes": [
                    _attr("ingress[1].cidr_blocks[0]", "10.0.0.0/8", "0.0.0.0/0"),
                    _attr("ingress[1].from_port", 443, 22),
                ],
            },
            {
                "address": "aws_vpn_connection.office",
                "action": "update",
                "changed_attributes": [
                    _attr(
                        "tunnel1_preshared_key", "q7Vx2LmN9pRt4WzK", "hunter2-rotated-by-hand", True
                    ),
                ],
            },
        ),
    ),
    Drift(
        "drift",
        "2 resources changed outside Terraform",
        (
            {
                "address": "aws_db_instance.main",
                "action": "update",
                "changed_attributes": [
                    _attr("password", "correct-horse-battery-staple", "Winter2025!", True),
                    _attr("allocated_storage", 100, 250),
                ],
            },
            {
                "address": "aws_instance.web[0]",
                "action": "update",
                "changed_attributes": [
                    _attr("instance_type", "t3.medium", "t3.xlarge"),
                    _attr("tags.Owner", "platform-team", None),
                ],
            },
        ),
    ),
    Drift(
        "unmanaged_resource",
        "1 resource exists that Terraform does not manage",
        (
            {
                "address": "aws_s3_bucket.debug_exports",
                "action": "delete",
                "changed_attributes": [
                    _attr("bucket", None, "tmp-debug-exports-2025"),
                ],
            },
        ),
    ),
    Drift(
        "missing_resource",
        "1 resource in the code is missing from the account",
        (
            {
                "address": "aws_cloudwatch_log_group.app",
                "action": "create",
                "changed_attributes": [
                    _attr("name", "/ecs/app", None),
                    _attr("retention_in_days", 30, None),
                ],
            },
        ),
    ),
)


def drift(index: int) -> Drift:
    """The index-th drift, cycling, with fresh resource dicts the caller may keep."""
    chosen = DRIFTS[index % len(DRIFTS)]
    return Drift(chosen.type, chosen.summary, copy.deepcopy(chosen.resources))


def failure_message(index: int, workspace: str) -> str:
    return FAILURE_MESSAGES[index % len(FAILURE_MESSAGES)].format(workspace=workspace)


def success_message(index: int) -> str:
    return SUCCESS_MESSAGES[index % len(SUCCESS_MESSAGES)]

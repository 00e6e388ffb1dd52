"""fsync: watch and steer Firestartr Pro Terraform workspace sync from Slack."""

__version__ = "0.1.0"

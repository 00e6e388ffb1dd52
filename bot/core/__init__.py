"""fsync's core: parsing, roles and the service layer. No Slack, no HTTP here."""

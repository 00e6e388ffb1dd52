"""The Firestartr Pro Terraform Sync API: typed models, one error tree, one client."""

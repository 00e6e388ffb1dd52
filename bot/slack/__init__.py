"""The Slack edge: listeners, views and identifiers. Business rules live in bot.core."""

"""One cog per feature: asking, information commands, moderator review."""

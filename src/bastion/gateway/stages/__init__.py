"""The gateway's own pipeline stages: authenticate, account gate, rate limit."""

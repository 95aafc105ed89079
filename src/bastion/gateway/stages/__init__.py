"""The gateway's own stages: authenticate, account gate, rate limit; and the response half (output guard,
usage accounting, audit)."""

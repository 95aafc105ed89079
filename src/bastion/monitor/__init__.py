"""Account risk over time: events with content fingerprints, per-account state, signals, actions."""

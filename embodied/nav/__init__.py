"""Navigation family: VLN-CE-style episodes, their metrics, and simulator backends."""

"""The case record (工单台账): one append-only entry per case event, kept for years."""

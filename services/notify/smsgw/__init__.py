"""A local SMS gateway simulator: takes what a provider's HTTP API would, keeps it to read back."""

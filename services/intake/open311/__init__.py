"""Open311 GeoReport v2 for intake: service catalogue, request submission and status."""

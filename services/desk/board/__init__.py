"""The board: a read model of every case's current state, light, unit and deadlines."""

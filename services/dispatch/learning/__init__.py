"""Learning from the centre: model versions trained on its own labelled history."""

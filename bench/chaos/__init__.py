"""`make chaos`: the fault drill — faults under a steady load, then reconciliation of every
acknowledged case from the databases, Temporal and the SMS gateway simulator."""

"""The knowledge base (知识库): standard answers the console suggests while the operator types.

Intake owns it: the operator console is its main reader, answers given from it close
consultations at intake, and it needs no other service to answer in time for a call.
"""

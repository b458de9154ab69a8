"""People's accounts at the desk: users and roles, passwords, login throttling, sessions.

The desk is where people sign in (other services ask it who a session belongs to). Accounts
live in the desk's database (migration desk_0002); the session cookie holds a random token
whose hash the database keeps, so logging out or changing a password ends a session at once.
"""

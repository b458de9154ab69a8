"""The queue UI (办理人工作台): logins, pages, live updates and the actions users may take."""

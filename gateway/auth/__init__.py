"""Who may do what: operator accounts (people, not partners) and failed-login throttling."""

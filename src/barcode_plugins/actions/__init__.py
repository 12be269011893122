"""Actions: the store-backed work below the engine (receiving, link import, history, events, transactions, the
host's stock items, explanations). Each is given what it needs; none imports the engine."""

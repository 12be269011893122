"""Built-in behaviour, registered as plugins through the same mechanism as a third party's."""

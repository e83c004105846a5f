"""Domain errors that views turn into answers a person understands."""


class DomainError(Exception):
    """A business rule refused the action. The message is shown to the user as is."""


class InvalidTransition(DomainError):
    """A state change that the state machine does not allow (answered with HTTP 409)."""


class ConcurrentEdit(DomainError):
    """Somebody else changed the record since it was loaded (answered with HTTP 409)."""

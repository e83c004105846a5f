"""Domain errors that views turn into answers a person understands."""


class DomainError(Exception):
    """A business rule refused the action. The message is shown to the user as is."""


class InvalidTransition(DomainError):
    """A state change that the state machine does not allow (answered with HTTP 409)."""


class ConcurrentEdit(DomainError):
    """Somebody else changed the record since it was loaded (answered with HTTP 409)."""


class EvidenceTampered(DomainError):
    """A stored file is missing or no longer matches the sha256 recorded when it was stored; it is not served.

    `missing` tells the two apart (a missing file can be rendered or uploaded again; an altered one is reported).
    """

    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing

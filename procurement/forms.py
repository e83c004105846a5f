"""Putting a service's refusal on the form that asked for it."""

from django.core.exceptions import ValidationError

from procurement.exceptions import DomainError, InvalidTransition


def attempt_service(form, call) -> bool:
    """Run `call()`; a refusal goes next to its field (or at the top of the form). True when it succeeded.

    InvalidTransition is not a form problem: it propagates and is answered with the 409 page.
    """
    try:
        call()
    except InvalidTransition:
        raise
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return False
    except DomainError as exc:
        form.add_error(None, str(exc))
        return False
    return True

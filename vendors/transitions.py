"""State machines of the vendors app, as data."""

from procurement.statemachine import validate_machine
from vendors.models import Risk, Vendor

VENDOR_STATUS: dict[str, frozenset[str]] = {
    Vendor.Status.PROSPECT: frozenset({Vendor.Status.ACTIVE, Vendor.Status.EXITED}),
    Vendor.Status.ACTIVE: frozenset({Vendor.Status.EXITING}),
    Vendor.Status.EXITING: frozenset({Vendor.Status.ACTIVE, Vendor.Status.EXITED}),
    Vendor.Status.EXITED: frozenset(),
}

# ACCEPTED is reached only through risk_accept (which applies the acceptance matrix), never set_status.
RISK_STATUS: dict[str, frozenset[str]] = {
    Risk.Status.OPEN: frozenset({Risk.Status.MITIGATING, Risk.Status.ACCEPTED, Risk.Status.CLOSED}),
    Risk.Status.MITIGATING: frozenset({Risk.Status.OPEN, Risk.Status.ACCEPTED, Risk.Status.CLOSED}),
    Risk.Status.ACCEPTED: frozenset({Risk.Status.OPEN, Risk.Status.CLOSED}),
    Risk.Status.CLOSED: frozenset({Risk.Status.OPEN}),
}

validate_machine(VENDOR_STATUS, Vendor.Status.values)
validate_machine(RISK_STATUS, Risk.Status.values)

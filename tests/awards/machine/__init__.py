"""Helpers of the award-procedure state machine (tests/awards/test_procedure_state_machine.py)."""

"""Scenario attributes added by issue 21, one module per area (each area owns its module)."""

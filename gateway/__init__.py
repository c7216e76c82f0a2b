"""edigw: EDI-to-API translation gateway (X12 / EDIFACT -> Amazon SP-API)."""

__version__ = "0.1.0"

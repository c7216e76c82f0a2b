"""Acknowledgements: problems -> 997 / 999 / TA1 (X12) and CONTRL (EDIFACT)."""

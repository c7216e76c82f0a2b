"""A call's errors are told about the items they name, not about every item of the call
(issue 9: a 2 MB file of failed status updates made a 100 MB application advice)."""

from __future__ import annotations

from gateway.spapi import ApiError
from gateway.submit.attribution import CallErrors

BY_TRACKING = ApiError("InvalidTrackingNumber", "Tracking number 1ZA10 was never confirmed "
                       "for purchase order PO7", "")  # fmt: skip
BY_PO = ApiError("InvalidPurchaseOrderNumber", "Purchase order PO7 has no confirmation", None)
IN_DETAILS = ApiError("InvalidInput", "bad item", "trackingNumber: 1ZA1")
WHOLE_CALL = ApiError("InvalidInput", "The request is invalid", None)


def _errors() -> CallErrors:
    return CallErrors([BY_TRACKING, BY_PO, IN_DETAILS, WHOLE_CALL],
                      ["PO7", "PO70", None], ["1ZA1", "1ZA10", "1ZB7"])  # fmt: skip


def test_an_error_goes_to_the_package_it_names_first() -> None:
    errors = _errors()
    # 1ZA10 is named, not 1ZA1 (a prefix of it): the PO7 it also names does not widen it
    assert errors.about({"PO7"}, {"1ZA10"}) == (BY_TRACKING, BY_PO, WHOLE_CALL)
    assert errors.about({"PO7"}, {"1ZA1"}) == (BY_PO, IN_DETAILS, WHOLE_CALL)
    assert errors.about({"PO7"}, {"1ZB7"}) == (BY_PO, WHOLE_CALL)


def test_an_error_naming_no_item_of_the_call_is_about_all_of_them() -> None:
    errors = _errors()
    assert errors.about({"PO70"}, {"1ZB7"}) == (WHOLE_CALL,)  # PO70 is not PO7
    assert errors.about(set(), set()) == (WHOLE_CALL,)
    other = CallErrors([BY_TRACKING], ["PO1"], ["1ZC1"])  # names nothing of this call
    assert other.about({"PO1"}, {"1ZC1"}) == (BY_TRACKING,)


def test_a_call_without_items_named_keeps_every_error() -> None:
    errors = CallErrors([BY_PO, WHOLE_CALL], [], [])
    assert errors.about({"PO7"}, set()) == (BY_PO, WHOLE_CALL)

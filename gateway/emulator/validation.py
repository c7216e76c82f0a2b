"""The emulator's check of a submit request, as production answers it: 400 InvalidInput
for a body that breaks Amazon's model for the operation, including the rules the model gives
for the request as a whole (source: vendorDirectFulfillmentShippingV1.json in
../shared/spapi-models, packaged as gateway/data):

- the `body` parameter is `required: true`, and the 400 answer is "Request has missing or
  invalid parameters and cannot be parsed.": a body without the operation's array
  (`shipmentStatusUpdates` / `shipmentConfirmations`) is refused;
- `SubmitShipmentStatusUpdatesRequest.shipmentStatusUpdates` has `minItems: 1` ("one or
  more"); an empty `shipmentConfirmations` is refused the same way: the required body then
  carries nothing to confirm (our reading: the model gives no minItems there);
- the model's static 400 example answers InvalidInput "The content of element
  'ShipmentConfirmation' is not complete", an XML-schema verdict: Amazon checks the
  request against its schema, which names no other top-level element, so an unknown one
  (`{"foo": 1}`) is refused as well.

Each record is then checked by the model's own definitions (`gateway.contract`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from gateway.contract import OPERATIONS, load_model

__all__ = ["request_problems"]

_ARRAYS = {"submitShipmentStatusUpdates": "shipmentStatusUpdates",
           "submitShipmentConfirmations": "shipmentConfirmations"}  # fmt: skip


@cache
def _validator(operation: str) -> Draft4Validator:
    model_name, definition, _path = OPERATIONS[operation]
    definitions = dict(load_model(model_name)["definitions"])
    request = dict(definitions[definition])
    array = _ARRAYS[operation]
    properties = dict(request["properties"])
    properties[array] = {**properties[array], "minItems": 1}
    definitions[definition] = {**request, "properties": properties, "required": [array],
                               "additionalProperties": False}  # fmt: skip
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    return Draft4Validator(schema, format_checker=FormatChecker())


def request_problems(operation: str, body: Any) -> list[str]:
    """Why production would refuse `body` for `operation` ('path: message'; empty: valid)."""
    errors = sorted(_validator(operation).iter_errors(body), key=lambda e: list(e.absolute_path))
    return ["/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in errors]

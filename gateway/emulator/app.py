"""The emulator's routes: LWA's token endpoint, DF Shipping V1 submit operations, DF
Transactions V1 getTransactionStatus, and /_emulator/ control routes (faults, reset, log).

Under /sandbox (the sandbox host of a seller) the same paths behave like Amazon's static
sandbox (`gateway.emulator.sandbox`): canned answers for the model's examples, 500
InternalFailure for anything else. Errors use Amazon's shapes: LWA {"error",
"error_description"} (RFC 6749 section 5.2, as LWA answers: invalid_grant 400,
invalid_client 401) and SP-API {"errors": [{"code", "message", "details"}]} with `details`
"" where Amazon leaves it empty (the models' 400 examples).

403 comes in two kinds, as in production: the token one (details say what is wrong with the
access token; a client refreshes and retries) and the role one (`Unauthorized`, "Access to
requested resource is denied.", details "": the application lacks the DF role; the SP-API
"Errors" guide), switched on with the `deny_role` fault.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.emulator.config import EmulatorConfig
from gateway.emulator.faults import Faults
from gateway.emulator.middleware import SANDBOX_PREFIX, EmulatorMiddleware, amazon_errors
from gateway.emulator.sandbox import static_answer
from gateway.emulator.state import EmulatorState
from gateway.emulator.validation import request_problems

__all__ = ["AmazonError", "create_app"]

SHIPPING = "/vendor/directFulfillment/shipping/v1"
TRANSACTIONS = "/vendor/directFulfillment/transactions/v1/transactions"


class AmazonError(Exception):
    """An SP-API error answer: status plus one Error (code, message, details)."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _lwa_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _authorized(
    request: Request, x_amz_access_token: Annotated[str | None, Header()] = None
) -> str:
    """The client id behind a live x-amz-access-token; 403 otherwise."""
    state: EmulatorState = request.app.state.emulator
    client_id, why = state.token_client(x_amz_access_token)
    if client_id is None:
        raise AmazonError(403, "Unauthorized", "Access to requested resource is denied.", why)
    with state.lock:
        role_denied = state.faults.faults.deny_role
    if role_denied:
        raise AmazonError(403, "Unauthorized", "Access to requested resource is denied.", "")
    return client_id


Client = Annotated[str, Depends(_authorized)]


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """A fresh emulator app with its own state (`app.state.emulator`)."""
    config = config or EmulatorConfig()
    state = EmulatorState(config)
    app = FastAPI(title="edigw SP-API emulator", openapi_url=None, docs_url=None)
    app.state.emulator = state
    app.add_middleware(EmulatorMiddleware, state=state)

    @app.exception_handler(AmazonError)
    async def _amazon_error(_request: Request, exc: AmazonError) -> JSONResponse:
        body = amazon_errors(exc.code, exc.message, exc.details)
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "NotFound" if exc.status_code == 404 else "InvalidInput"
        return JSONResponse(amazon_errors(code, str(exc.detail)), status_code=exc.status_code)

    @app.post("/auth/o2/token")
    async def token(request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
        if form.get("grant_type") != "refresh_token":
            return _lwa_error(400, "unsupported_grant_type", "Only grant_type=refresh_token.")
        if form.get("client_id") != config.client_id or (
            form.get("client_secret") != config.client_secret
        ):
            return _lwa_error(401, "invalid_client", "Client authentication failed")
        if form.get("refresh_token") != config.refresh_token:
            return _lwa_error(400, "invalid_grant", "The request has an invalid grant parameter")
        return JSONResponse(
            {
                "access_token": state.issue_token(config.client_id),
                "refresh_token": config.refresh_token,
                "token_type": "bearer",
                "expires_in": int(config.token_lifetime),
            }
        )

    def throttle(client_id: str, operation: str) -> None:
        if not state.take(client_id, operation):
            raise AmazonError(
                429, "QuotaExceeded", "You exceeded your quota for the requested resource."
            )

    async def submit(request: Request, client_id: str, operation: str) -> JSONResponse:
        throttle(client_id, operation)
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise AmazonError(400, "InvalidInput", "The request body is not JSON.") from None
        problems = request_problems(operation, body)  # the model's 400 (emulator.validation)
        if problems:
            raise AmazonError(
                400, "InvalidInput", f"Invalid request body: {problems[0]}", "; ".join(problems)
            )
        transaction_id = state.submit(operation, body)
        request.state.transaction_id = transaction_id
        return JSONResponse({"payload": {"transactionId": transaction_id}}, status_code=202)

    def canned(operation: str, given: dict[str, Any]) -> JSONResponse:
        answer = static_answer(operation, given)
        if answer is None:  # the static sandbox knows only its examples
            raise AmazonError(500, "InternalFailure", "We encountered an internal error. "
                              "Please try again.")  # fmt: skip
        return JSONResponse(answer.body, status_code=answer.status)

    async def sandbox_submit(request: Request, client_id: str, operation: str) -> JSONResponse:
        throttle(client_id, operation)
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        return canned(operation, {"body": body})

    router = APIRouter()
    sandbox = APIRouter(prefix=SANDBOX_PREFIX)

    @router.post(SHIPPING + "/shipmentStatusUpdates")
    async def status_updates(request: Request, client_id: Client) -> JSONResponse:
        return await submit(request, client_id, "submitShipmentStatusUpdates")

    @router.post(SHIPPING + "/shipmentConfirmations")
    async def confirmations(request: Request, client_id: Client) -> JSONResponse:
        return await submit(request, client_id, "submitShipmentConfirmations")

    @router.get(TRANSACTIONS + "/{transaction_id}")
    async def transaction(request: Request, transaction_id: str, client_id: Client) -> Any:
        throttle(client_id, "getTransactionStatus")
        request.state.transaction_id = transaction_id
        status = state.transaction_status(transaction_id)
        if status is None:
            raise AmazonError(
                404, "NotFound", "The resource specified does not exist.", transaction_id
            )
        return {"payload": {"transactionStatus": status}}

    @sandbox.post(SHIPPING + "/shipmentStatusUpdates")
    async def sandbox_status_updates(request: Request, client_id: Client) -> JSONResponse:
        return await sandbox_submit(request, client_id, "submitShipmentStatusUpdates")

    @sandbox.post(SHIPPING + "/shipmentConfirmations")
    async def sandbox_confirmations(request: Request, client_id: Client) -> JSONResponse:
        return await sandbox_submit(request, client_id, "submitShipmentConfirmations")

    @sandbox.get(TRANSACTIONS + "/{transaction_id}")
    async def sandbox_transaction(request: Request, transaction_id: str,
                                  client_id: Client) -> JSONResponse:  # fmt: skip
        throttle(client_id, "getTransactionStatus")
        request.state.transaction_id = transaction_id
        return canned("getTransactionStatus", {"transactionId": transaction_id})

    app.include_router(router)
    app.include_router(sandbox)

    @app.post("/_emulator/faults")
    async def set_faults(faults: Faults) -> Faults:
        with state.lock:
            state.faults.configure(faults)
            return state.faults.faults.model_copy()

    @app.get("/_emulator/faults")
    async def get_faults() -> Faults:
        with state.lock:
            return state.faults.faults.model_copy()

    @app.post("/_emulator/reset")
    async def reset() -> dict[str, bool]:
        state.reset()
        return {"reset": True}

    @app.get("/_emulator/requests")
    async def requests() -> list[dict[str, Any]]:
        return state.requests()

    return app

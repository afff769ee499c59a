"""A partner system, written with only the Python client generated from the
committed openapi/openapi.json (openapi-python-client) and the PyPI
`standardwebhooks` package (docs/api.md, "Integrations"; issue 20, item 4).

It signs in with an API key that the demo admin creates through the API,
registers a webhook endpoint on a local HTTP listener it starts, quotes,
sends a payment link, pays it as the payer would (the sandbox's card
tokenization, then the redeem), and verifies the signed `link.paid` webhook.

The payer's phone is the API's console SMS sender: the link token is read
from the API's log (`API_LOG`), as the browser tests do; that is the one step
not made through the client, because a partner never sees the token.

Run by tests/integration-python/run; arguments: the API's base URL.
"""

import http.server
import json
import os
import queue
import re
import sys
import threading
import time
import uuid

from payments_client import AuthenticatedClient, Client
from payments_client.api.api_keys import create_api_key
from payments_client.api.auth import staff_login
from payments_client.api.config import get_terms
from payments_client.api.payment_links import redeem_token, send_link
from payments_client.api.quotes import quote_summary
from payments_client.api.sandbox import sandbox_tokenize
from payments_client.api.webhook_endpoints import create_webhook_endpoint
from payments_client.models import (
    CreateApiKeyRequest,
    CreatedApiKeyView,
    CreatedWebhookEndpointView,
    CreateWebhookEndpointRequest,
    EventType,
    LinkView,
    LoginRequest,
    MonitorDays,
    PaymentResult,
    QuoteRequest,
    QuoteSummary,
    RedeemRequest,
    SendLinkRequest,
    Scope,
    Terms,
    TokenizeRequest,
    TokenizeResponse,
    TokenResponse,
)
from standardwebhooks.webhooks import Webhook

# The demo data (README): the admin, and Dana's Camry.
ADMIN = ("admin@example.com", "admin-demo-1")
DANA = "00000000-0000-4000-8000-000000000101"
DANA_CAMRY = "00000000-0000-4000-8000-000000000201"
DEADLINE_S = 30


def expect(value, kind):
    if not isinstance(value, kind):
        sys.exit(f"expected {kind.__name__}, got {value!r}")
    return value


class Hooks(http.server.BaseHTTPRequestHandler):
    received: "queue.Queue[tuple[dict[str, str], bytes]]" = queue.Queue()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        Hooks.received.put(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main(base: str) -> None:
    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{listener.server_address[1]}/hooks"
    api = f"{base}/api/v1"

    # The admin (a person, in PLUS Web or through the API) makes the key and
    # registers the endpoint; the partner is given the key and the secret.
    # openapi-python-client types every operation as taking an
    # AuthenticatedClient, the public ones too (their explicit empty security
    # requirement, `security: [{}]`, counts as "has security" for it); a plain
    # Client works for them, as the generated code only uses its httpx client.
    anonymous = Client(base_url=api)
    login = expect(
        staff_login.sync(client=anonymous, body=LoginRequest(email=ADMIN[0], password=ADMIN[1])),
        TokenResponse,
    )
    admin = AuthenticatedClient(base_url=api, token=login.access_token)
    key = expect(
        create_api_key.sync(
            client=admin,
            body=CreateApiKeyRequest(
                name="Python integration test",
                scopes=[Scope.QUOTESREAD, Scope.LINKSWRITE, Scope.PAYMENTSREAD],
            ),
        ),
        CreatedApiKeyView,
    )
    endpoint = expect(
        create_webhook_endpoint.sync(
            client=admin,
            body=CreateWebhookEndpointRequest(url=hook_url, events=[EventType.LINK_PAID]),
        ),
        CreatedWebhookEndpointView,
    )
    assert endpoint.secret.startswith("whsec_")

    # The partner, with its key only.
    partner = AuthenticatedClient(base_url=api, token=key.key)
    quote = expect(
        quote_summary.sync(
            client=partner,
            body=QuoteRequest(client_id=uuid.UUID(DANA), vehicle_id=uuid.UUID(DANA_CAMRY), monitor_days=MonitorDays.VALUE_14),
        ),
        QuoteSummary,
    )
    link = expect(
        send_link.sync(
            client=partner,
            body=SendLinkRequest(
                client_id=uuid.UUID(DANA),
                vehicle_id=uuid.UUID(DANA_CAMRY),
                monitor_days=MonitorDays.VALUE_14,
                phone="512-555-0143",
            ),
            idempotency_key=str(uuid.uuid4()),
        ),
        LinkView,
    )
    print(f"quoted {quote.total_due_cents} cents; link {link.id} sent for {link.amount_cents} cents")
    assert link.amount_cents == quote.total_due_cents

    # The payer opens the text and pays with a sandbox card.
    token = wait_for_link_token()
    card = expect(
        sandbox_tokenize.sync(
            client=anonymous,
            body=TokenizeRequest(number="4242424242424242", exp_month=12, exp_year=2030, cvc="987"),
        ),
        TokenizeResponse,
    )
    # The version of the terms the payer read and accepted: every redeem names it.
    terms = expect(get_terms.sync(client=anonymous), Terms)
    paid = expect(
        redeem_token.sync(
            client=anonymous,
            body=RedeemRequest(payment_token=card.payment_token, accept_terms=True, terms_version=terms.version),
            payment_link_token=token,
            idempotency_key=str(uuid.uuid4()),
        ),
        PaymentResult,
    )
    print(f"paid: payment {paid.payment_id}")

    # The webhook, verified by the standardwebhooks library.
    try:
        headers, body = Hooks.received.get(timeout=DEADLINE_S)
    except queue.Empty:
        sys.exit(f"no webhook within {DEADLINE_S} s")
    event = Webhook(endpoint.secret).verify(body, headers)
    assert event["type"] == "link.paid", event
    assert event["data"]["link_id"] == str(link.id), event
    assert event["data"]["payment_id"] == str(paid.payment_id), event
    assert event["data"]["amount_cents"] == quote.total_due_cents, event
    assert headers["webhook-id"].startswith("msg_"), headers
    tampered = body.replace(b"link.paid", b"link.sent")
    try:
        Webhook(endpoint.secret).verify(tampered, headers)
        sys.exit("a tampered body verified")
    except Exception:
        pass
    print(f"verified link.paid webhook {headers['webhook-id']}")


def wait_for_link_token() -> str:
    deadline = time.monotonic() + DEADLINE_S
    pattern = re.compile(r"/my-account/pay#([A-Za-z0-9_-]{43})")
    while time.monotonic() < deadline:
        with open(os.environ["API_LOG"], encoding="utf-8") as log:
            tokens = pattern.findall(log.read())
        if tokens:
            return tokens[-1]
        time.sleep(0.05)
    sys.exit("the link's text was not sent")


if __name__ == "__main__":
    main(sys.argv[1])

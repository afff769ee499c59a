#!/usr/bin/env python3
"""Payment-link helpers for tests/load/run (standard library only).

  links.py send N        send N links, round robin over the demo vehicles at locations that accept
                         payments (staff token in $STAFF_TOKEN), wait for their SMS in $SERVER_LOG and
                         print one token per line
  links.py redeem RATE   pay each token read from stdin (one per line) at a constant RATE per second,
                         open loop: latency counts from the moment a request was *due* (as wrk2 does),
                         so a slow server cannot slow the load down and hide its own queueing. Prints
                         one JSON line of figures. REDEEM_CONCURRENCY (default: enough for RATE at the
                         gateway latency GATEWAY_LATENCY_MS, at least 64) bounds the requests in flight.
  links.py closed N SECS redeem the tokens read from stdin with N workers, each sending its next redeem as soon
                         as the last one answered (closed loop), for at most SECS seconds or until the
                         tokens run out: the highest rate the server sustains. Prints one JSON line.

wrk has no constant-rate mode and neither wrk2, oha nor vegeta is packaged by Debian, hence this.
"""
import http.client
import json
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

HOST, PORT = os.environ["API_ADDR"].rsplit(":", 1)
# (client, vehicle) pairs, one per line as "client|vehicle" in $PAYERS_FILE (tests/load/run makes one payer per
# link, as 200 payments a second come from 200 different clients), else the demo payers: Dana's two vehicles,
# Morgan's and Riley's. Payments of one client settle one at a time (the client row is locked).
PAYERS = [
    ("00000000-0000-4000-8000-000000000101", "00000000-0000-4000-8000-000000000201"),
    ("00000000-0000-4000-8000-000000000103", "00000000-0000-4000-8000-000000000204"),
    ("00000000-0000-4000-8000-000000000104", "00000000-0000-4000-8000-000000000205"),
    ("00000000-0000-4000-8000-000000000101", "00000000-0000-4000-8000-000000000202"),
]
if os.environ.get("PAYERS_FILE"):
    with open(os.environ["PAYERS_FILE"], encoding="utf-8") as payers:
        PAYERS = [tuple(line.strip().split("|")) for line in payers if line.strip()]
TOKEN_RE = re.compile(r"/my-account/pay#([A-Za-z0-9_-]{43})")

_local = threading.local()


def request(method, path, body=None, headers=None):
    """One request on this thread's keep-alive connection; reconnects once if it was closed."""
    headers = dict(headers or {})
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    for attempt in (0, 1):
        conn = getattr(_local, "conn", None)
        if conn is None:
            conn = _local.conn = http.client.HTTPConnection(HOST, int(PORT), timeout=30)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            _local.conn = None
            if attempt:
                raise
    raise AssertionError("unreachable")


def sms_tokens():
    with open(os.environ["SERVER_LOG"], encoding="utf-8", errors="replace") as log:
        return TOKEN_RE.findall(log.read())


def send(n):
    before = len(sms_tokens())
    auth = {"authorization": "Bearer " + os.environ["STAFF_TOKEN"]}
    def one(i):
        client, vehicle = PAYERS[i % len(PAYERS)]
        body = {"client_id": client, "vehicle_id": vehicle, "monitor_days": 14, "phone": "5125550143"}
        status, answer = request(
            "POST", "/api/v1/payment-links", body, {**auth, "idempotency-key": str(uuid.uuid4())}
        )
        if status != 201 and status != 200:
            raise SystemExit(f"send_link answered {status}: {answer[:300]!r}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(n)))
    deadline = time.monotonic() + 120
    while True:
        tokens = sms_tokens()[before:]
        if len(tokens) >= n or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if len(tokens) < n:
        raise SystemExit(f"only {len(tokens)} of {n} SMS reached the log in 120 s")
    print("\n".join(tokens[:n]))


def tokenize():
    status, answer = request(
        "POST",
        "/api/v1/sandbox/tokenize",
        {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    )
    if status not in (200, 201):
        raise SystemExit(f"tokenize answered {status}: {answer[:300]!r}")
    return json.loads(answer)["payment_token"]


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def redeem_jobs():
    """(link token, card token, idempotency key) for each token on stdin, made before any clock starts."""
    links = [line.strip() for line in sys.stdin if line.strip()]
    with ThreadPoolExecutor(8) as pool:
        cards = list(pool.map(lambda _: tokenize(), links))
    return [(link, card, str(uuid.uuid4())) for link, card in zip(links, cards)]


def terms_version():
    """The version of the terms in force, which every redeem names (the pay page reads it the same way)."""
    if getattr(_local, "terms_version", None) is None:
        _, body = request("GET", "/api/v1/terms")
        _local.terms_version = json.loads(body)["version"]
    return _local.terms_version


def redeem_one(job, n):
    """Pays one link; returns the HTTP status."""
    link, card, key = job
    status, _ = request(
        "POST",
        "/api/v1/payment-link/redeem",
        {"payment_token": card, "accept_terms": True, "terms_version": terms_version()},
        # Each payer from their own address (the server trusts 127.0.0.1 as its proxy).
        {"idempotency-key": key, "payment-link-token": link, "x-forwarded-for": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"},
    )
    return status


def redeem(rate):
    jobs = redeem_jobs()
    latencies, statuses, lock = [], {}, threading.Lock()

    def one(job, due, n):
        status = redeem_one(job, n)
        done = time.perf_counter()
        with lock:
            latencies.append(done - due)
            statuses[status] = statuses.get(status, 0) + 1

    # Enough threads that a few slow answers never delay the next due request: the requests in flight are
    # the rate times the answer time, and the answer time is at least the gateway's latency (a thread pool
    # of 64 caps 800 ms charges at 80 redeems/s).
    gateway_s = float(os.environ.get("GATEWAY_LATENCY_MS", "0")) / 1000
    workers = int(os.environ.get("REDEEM_CONCURRENCY", "0")) or max(64, int(rate * (gateway_s + 0.25) * 1.5))
    pool = ThreadPoolExecutor(workers)
    start = time.perf_counter() + 0.05
    late = 0.0
    for i, job in enumerate(jobs):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            late = max(late, -wait)
        pool.submit(one, job, due, i)
    pool.shutdown(wait=True)
    elapsed = time.perf_counter() - start
    latencies.sort()
    print(
        json.dumps(
            {
                "requests": len(latencies),
                "achieved_rps": len(latencies) / elapsed,
                "p50_ms": percentile(latencies, 50) * 1000,
                "p90_ms": percentile(latencies, 90) * 1000,
                "p99_ms": percentile(latencies, 99) * 1000,
                "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
                "statuses": statuses,
                "sender_max_lag_ms": late * 1000,
                "workers": workers,
            }
        )
    )


def closed(concurrency, seconds):
    jobs = redeem_jobs()
    statuses, lock = {}, threading.Lock()
    next_job = iter(enumerate(jobs))
    start = time.perf_counter()
    deadline = start + seconds
    finished = []

    def worker():
        while time.perf_counter() < deadline:
            with lock:
                item = next(next_job, None)
            if item is None:
                return
            n, job = item
            status = redeem_one(job, n)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                finished.append(time.perf_counter())

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = (max(finished) if finished else time.perf_counter()) - start
    print(
        json.dumps(
            {
                "requests": len(finished),
                "achieved_rps": len(finished) / elapsed if elapsed > 0 else float("nan"),
                "seconds": elapsed,
                "ran_out_of_links": len(finished) == len(jobs),
                "statuses": statuses,
                "workers": concurrency,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["send"]:
        send(int(sys.argv[2]))
    elif sys.argv[1:2] == ["redeem"]:
        redeem(float(sys.argv[2]))
    elif sys.argv[1:2] == ["closed"]:
        closed(int(sys.argv[2]), float(sys.argv[3]))
    else:
        raise SystemExit(__doc__)

"""The AI latency benchmark's client (run.sh): a local Together-speaking provider that records how
long it spent on each request, an admin who configures it, a user who submits generation jobs one
at a time and 32 at a time, following each over GET /api/v1/jobs/{id}/events (SSE). Each is measured
twice: with a provider that answers at once (the platform's own work back to back: 32 in flight then
measures how fast the stack drains a queue) and with one that takes PROVIDER_MS (default 2000) per
picture, as a hosted FLUX or SDXL generation does (32 in flight then measures what the platform adds
to jobs that overlap as real ones do)."""
import base64
import http.client
import http.server
import json
import os
import statistics
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor

base, total = sys.argv[1], int(sys.argv[2])
provider_seconds = int(os.environ.get("PROVIDER_MS", "2000")) / 1000
work = {"seconds": 0.0}  # the provider's time per picture in the current measure
target = urllib.parse.urlparse(base)


def png(width, height):
    """A grey gradient as PNG bytes: what the provider answers (the platform decodes it, caps it and
    stores it as it would any picture)."""
    rows = b"".join(b"\x00" + bytes((x + y) % 256 for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png(256, 256)
spent = {}  # prompt → seconds the provider spent on it


class Together(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        started = time.perf_counter()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(work["seconds"])
        answer = json.dumps({"id": "bench", "model": body.get("model"), "object": "list",
                             "data": [{"index": 0, "b64_json": base64.b64encode(PNG).decode()}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        spent[body.get("prompt", "")] = time.perf_counter() - started

    def log_message(self, *args):
        pass


provider = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Together)
threading.Thread(target=provider.serve_forever, daemon=True).start()


def call(method, path, body=None, token=None, headers=None):
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, json.dumps(body) if body is not None else None, all_headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (json.loads(data) if data else None)


def signed_in(email):
    credentials = {"email": email, "password": "benchmark password 2026"}
    call("POST", "/api/v1/auth/register", credentials)
    return call("POST", "/api/v1/auth/signin", credentials)[1]


admin = signed_in("bench-admin@imageswiss.local")["tokens"]["access_token"]
user_answer = signed_in(f"bench-{uuid.uuid4().hex[:8]}@imageswiss.local")
user, user_id = user_answer["tokens"]["access_token"], user_answer["account"]["id"]
for path, body in [
    ("providers/bench-together", {"kind": "together", "base_url": f"http://127.0.0.1:{provider.server_port}", "credential": "bench-key"}),
    ("models/bench-flux", {"operation": "generation", "provider_id": "bench-together", "reference": "bench/flux",
                           "label": "bench", "price_credits": 1, "is_default": True}),
]:
    status, answer = call("PUT", f"/api/v1/admin/ai/{path}", body, admin)
    assert status == 200, (path, status, answer)
call("GET", "/api/v1/billing/balance", token=user)  # opens the account at Billing (grants need one)
status, answer = call("POST", "/api/v1/admin/billing/grants",
                      {"account_id": user_id, "amount": total * 4, "source": "promotional"}, admin, {"Idempotency-Key": str(uuid.uuid4())})
assert status == 201, (status, answer)


def one_job(n):
    """Submit → succeeded as the job's event stream says it, minus the provider's own time (seconds)."""
    prompt = f"bench {n} {uuid.uuid4().hex}"
    started = time.perf_counter()
    status, job = call("POST", "/api/v1/jobs", {"steps": [{"operation": "generation", "parameters": {"prompt": prompt}}], "lane": "fast"},
                       user, {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, (status, job)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
    connection.request("GET", f"/api/v1/jobs/{job['id']}/events", headers={"Authorization": f"Bearer {user}"})
    response = connection.getresponse()
    final = None
    while final is None:
        line = response.fp.readline().decode()
        if not line:
            break
        if line.startswith("data:"):
            state = json.loads(line[5:])["status"]
            if state in ("succeeded", "failed", "canceled", "expired"):
                final = state
    finished = time.perf_counter()
    connection.close()
    assert final == "succeeded", (job["id"], final)
    return finished - started - spent.get(prompt, 0), spent.get(prompt, 0)


def measure(in_flight, count):
    one_job(-1)  # warm: connections, caches
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        results = list(pool.map(one_job, range(count)))
    added = sorted(r[0] * 1000 for r in results)
    provider_ms = statistics.median(r[1] * 1000 for r in results)
    p50, p99 = added[len(added) // 2], added[min(len(added) - 1, int(len(added) * 0.99))]
    print(f"{in_flight:>2} in flight, {count} jobs: added latency p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"(provider's own time, median {provider_ms:.2f} ms)")
    return p50


def direct_round_trip(count=200):
    """The peer: a request to the same provider server from this client, no platform in between."""
    times = []
    for n in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", provider.server_port, timeout=10)
        started = time.perf_counter()
        connection.request("POST", "/v1/images/generations", json.dumps({"prompt": f"direct {n}"}), {"Content-Type": "application/json"})
        connection.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
        connection.close()
    return statistics.median(times)


results = {}
for seconds in (0.0, provider_seconds):
    work["seconds"] = seconds
    print(f"provider's work per picture: {seconds * 1000:.0f} ms")
    results[seconds] = (measure(1, max(50, total // 5) if seconds == 0 else 20),
                        measure(32, total if seconds == 0 else max(64, total // 4)))
work["seconds"] = 0.0
direct = direct_round_trip()
print(f"peer: a direct round trip to the provider server, median {direct:.2f} ms")
for seconds, (single, many) in results.items():
    print(f"goal p50 <= 30 ms added, provider {seconds * 1000:.0f} ms: 1 in flight {'met' if single <= 30 else 'NOT met'}, "
          f"32 in flight {'met' if many <= 30 else 'NOT met'}")

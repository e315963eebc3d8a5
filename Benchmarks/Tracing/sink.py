"""A minimal OTLP/HTTP trace receiver for the tracing benchmark: accepts POST /v1/traces (JSON),
counts the spans, answers 200. Prints the count when stopped (SIGTERM)."""
import http.server
import json
import signal
import sys
import threading

spans = 0
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global spans
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            document = json.loads(body)
            count = sum(len(scope.get("spans", [])) for resource in document.get("resourceSpans", [])
                        for scope in resource.get("scopeSpans", []))
        except ValueError:
            count = 0
        with lock:
            spans += count
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver)


def stop(*_):
    print(f"the receiver took {spans} spans", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server.serve_forever()

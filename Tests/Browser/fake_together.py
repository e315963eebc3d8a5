"""A local server speaking Together's POST /v1/images/generations: a PNG of the size asked, drawn by
Pillow. The browser journey imports it; run as a script (ExamplesTests) it prints its port and
serves until killed."""
import base64
import http.server
import io
import json
import sys
import threading


class FakeTogether(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        from PIL import Image, ImageDraw
        if self.path != "/v1/images/generations":
            return self.answer(404, {"error": {"message": "unknown path", "type": "invalid_request_error"}})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeTogether.received.append(body)
        picture = Image.new("RGB", (body.get("width", 1024), body.get("height", 1024)), (40, 90, 160))
        ImageDraw.Draw(picture).ellipse((200, 200, 800, 800), fill=(240, 200, 60))
        out = io.BytesIO()
        picture.save(out, "PNG")
        self.answer(200, {"data": [{"b64_json": base64.b64encode(out.getvalue()).decode()}]})

    def answer(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve():
    """Starts the server on a free loopback port in a thread; answers it (`server_address[1]`)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeTogether)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeTogether)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()

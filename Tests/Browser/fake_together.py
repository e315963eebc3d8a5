"""A local server speaking Together's POST /v1/images/generations (a PNG of the size asked, drawn by
Pillow) and its fine-tuning: POST /v1/files/upload, POST /v1/fine-tunes, GET /v1/fine-tunes/{id}
(running twice, then completed with a LoRA's name). The browser journey imports it; run as a script (ExamplesTests) it prints its port and
serves until killed."""
import base64
import http.server
import io
import json
import sys
import threading


class FakeTogether(http.server.BaseHTTPRequestHandler):
    received = []
    # Fine-tunes by id: how many times each was polled (it completes on the third look).
    fine_tunes = {}
    uploads = []

    def do_GET(self):
        if self.path.startswith("/v1/fine-tunes/"):
            job = FakeTogether.fine_tunes.get(self.path.rsplit("/", 1)[1])
            if job is None:
                return self.answer(404, {"error": {"message": "fine-tune not found", "type": "invalid_request_error"}})
            job["polls"] += 1
            if job["polls"] < 3:
                return self.answer(200, {"id": job["id"], "status": "running", "total_steps": 10, "steps_completed": 3 * job["polls"]})
            return self.answer(200, {"id": job["id"], "status": "completed", "model_output_name": f"journey/flux-lora-{job['suffix']}"})
        self.answer(404, {"error": {"message": "unknown path", "type": "invalid_request_error"}})

    def do_POST(self):
        from PIL import Image, ImageDraw
        if self.path == "/v1/files/upload":
            # The photos' zip, as multipart: kept only as its size and purpose.
            length = int(self.headers["Content-Length"])
            data = self.rfile.read(length)
            FakeTogether.uploads.append({"bytes": length, "fine_tune": b'name="purpose"\r\n\r\nfine-tune' in data})
            return self.answer(200, {"id": f"file-{len(FakeTogether.uploads)}", "object": "file", "purpose": "fine-tune"})
        if self.path == "/v1/fine-tunes":
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            FakeTogether.received.append(body)
            if not body.get("training_file", "").startswith("file-") or body.get("lora") is not True:
                return self.answer(400, {"error": {"message": "training_file and lora are required", "type": "invalid_request_error"}})
            job = {"id": f"ft-{len(FakeTogether.fine_tunes) + 1}", "suffix": body.get("suffix", "x"), "polls": 0}
            FakeTogether.fine_tunes[job["id"]] = job
            return self.answer(200, {"id": job["id"], "status": "pending"})
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

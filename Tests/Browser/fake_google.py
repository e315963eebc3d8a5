"""A local server speaking Google's OAuth 2.0 endpoints as Auth calls them: /authorize (a consent
page whose "Allow" redirects with a code; PKCE S256 required), /token (client secret, redirect URI
and code_verifier checked; 400 invalid_grant otherwise) and /userinfo (the OpenID claims). The
browser journey starts it on the port BrowserJourneyTests configured Auth with.

The redirect goes to the stack the test runs: Auth builds redirect_uri from AUTH_PUBLIC_URL, which
names no running server here, so its path and query are sent to `app_base` instead."""
import base64
import hashlib
import html
import http.server
import json
import secrets
import threading
import urllib.parse

CLIENT_ID = "journey-client"
CLIENT_SECRET = "journey-secret"


def serve(port, app_base, user):
    grants, tokens = {}, {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/authorize":
                if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
                    return self.answer(400, "text/plain", b"invalid_request")
                code = secrets.token_urlsafe(24)
                grants[code] = (query["code_challenge"], query["redirect_uri"])
                back = urllib.parse.urlsplit(query["redirect_uri"])
                target = f"{app_base}{back.path}?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                page = (f"<!doctype html><html lang=en><title>Sign in with Google</title><main><h1>Sign in</h1>"
                        f"<p>ImageSwiss wants your name and email address ({html.escape(user['email'])}).</p>"
                        f"<a id=allow href=\"{html.escape(target)}\">Allow</a></main></html>")
                return self.answer(200, "text/html", page.encode())
            if url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in tokens:
                    return self.answer(401, "application/json", b'{"error":"invalid_token"}')
                claims = {"sub": user["sub"], "email": user["email"], "email_verified": True, "name": user["name"]}
                return self.answer(200, "application/json", json.dumps(claims).encode())
            self.answer(404, "text/plain", b"not found")

        def do_POST(self):
            form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
            grant = grants.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (self.path != "/token" or grant is None or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET or form.get("grant_type") != "authorization_code"
                    or grant != (challenge, form.get("redirect_uri"))):
                return self.answer(400, "application/json", b'{"error":"invalid_grant"}')
            token = secrets.token_urlsafe(24)
            tokens[token] = True
            self.answer(200, "application/json", json.dumps({"access_token": token, "token_type": "Bearer"}).encode())

        def answer(self, status, kind, body):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

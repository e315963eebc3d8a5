"""A transformation link for one's own site: a key, a link signed in your own code, the first view
(computed and charged once) and the next (from cache, free) — with requests."""
import base64
import hashlib
import hmac
import os
import sys

import requests

base = os.environ["IMAGESWISS_URL"]
credentials = {"email": os.environ["IMAGESWISS_EMAIL"], "password": os.environ["IMAGESWISS_PASSWORD"]}
image = os.environ["IMAGESWISS_IMAGE"]

requests.post(f"{base}/api/v1/auth/register", json=credentials, timeout=30)
signin = requests.post(f"{base}/api/v1/auth/signin", json=credentials, timeout=30)
signin.raise_for_status()
api = requests.Session()
api.headers["Authorization"] = f"Bearer {signin.json()['tokens']['access_token']}"
with open(image, "rb") as photo:
    file_id = api.post(f"{base}/api/v1/files", data=photo, timeout=60,
                       headers={"Content-Type": "application/octet-stream"}).json()["id"]

# A signing key: its secret is shown once; keep it with your site's other secrets.
secret = api.post(f"{base}/api/v1/transformations/keys", timeout=30).json()["secret"]


def link(options, file_id, extension=""):
    """/t/{signature}/{options}/{file_id}[.ext]: HMAC-SHA256 keyed by the secret over the path after
    the signature, base64url without padding."""
    path = f"/{options}/{file_id}" + (f".{extension}" if extension else "")
    signature = hmac.new(secret.encode(), path.encode(), hashlib.sha256).digest()
    return "/t/" + base64.urlsafe_b64encode(signature).decode().rstrip("=") + path


def available():
    return api.get(f"{base}/api/v1/billing/balance", timeout=30).json()["available"]


thumbnail = link("rs:fill:300:200/q:80", file_id, "webp")
before = available()
first = requests.get(base + thumbnail, timeout=60)  # no credentials: anyone with the link
if first.status_code != 200:
    sys.exit(f"refused: {first.json()['error']}")
charged = before - available()
again = requests.get(base + thumbnail, timeout=60)
print(f"{first.headers['Content-Type']}, {len(first.content)} bytes, charged {charged} credits once; "
      f"again: {again.status_code}, same ETag: {str(again.headers['ETag'] == first.headers['ETag']).lower()}, "
      f"charged {before - charged - available()} more")
print(f"Cache-Control: {first.headers['Cache-Control']}")

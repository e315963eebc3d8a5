"""Sign in, upload, quote, submit a batch, follow it, download the zip — with requests."""
import os
import sys
import time
import uuid

import requests

base = os.environ["IMAGESWISS_URL"]
credentials = {"email": os.environ["IMAGESWISS_EMAIL"], "password": os.environ["IMAGESWISS_PASSWORD"]}
image = os.environ["IMAGESWISS_IMAGE"]
out = os.environ.get("IMAGESWISS_OUT", "results.zip")

# An account (registered the first time; 409 means it exists), then an access token.
requests.post(f"{base}/api/v1/auth/register", json=credentials, timeout=30)
signin = requests.post(f"{base}/api/v1/auth/signin", json=credentials, timeout=30)
signin.raise_for_status()
api = requests.Session()
api.headers["Authorization"] = f"Bearer {signin.json()['tokens']['access_token']}"

# The photo, as the raw body; its name in a header.
with open(image, "rb") as photo:
    uploaded = api.post(f"{base}/api/v1/files", params={"purpose": "upload"}, data=photo, timeout=60,
                        headers={"Content-Type": "application/octet-stream", "X-File-Name": os.path.basename(image)})
uploaded.raise_for_status()

# What it costs, before anything is charged. Parameters are JSON numbers.
checklist = {"input_file_ids": [uploaded.json()["id"]],
             "steps": [{"operation": "resize", "parameters": {"width": 512}},
                       {"operation": "convert", "parameters": {"format": "webp"}}]}
quote = api.post(f"{base}/api/v1/batches/quote", json=checklist, timeout=30).json()
print(f"cost: {quote['total_credits']} credits, you have {quote['available_credits']}")

# Submit with an Idempotency-Key: a retry of this request is the same batch, charged once.
submitted = api.post(f"{base}/api/v1/batches", json=checklist, headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=60)
if submitted.status_code != 201:
    error = submitted.json()["error"]  # every error: {code, message, field?, request_id}
    sys.exit(f"refused: {error['code']}: {error['message']}")
batch = submitted.json()["id"]

# Follow it until it is final.
for _ in range(120):
    status = api.get(f"{base}/api/v1/batches/{batch}", timeout=30).json()["status"]
    if status not in ("queued", "running"):
        break
    time.sleep(0.5)
print(f"batch {batch}: {status}")
if status != "succeeded":
    sys.exit(1)

with open(out, "wb") as results:
    results.write(api.get(f"{base}/api/v1/batches/{batch}/zip", timeout=60).content)
print(f"results in {out}")

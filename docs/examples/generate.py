"""A picture from words — models, presets, the cost, a generation job followed live over
server-sent events, the picture downloaded — with requests."""
import json
import os
import sys
import uuid

import requests

base = os.environ["IMAGESWISS_URL"]
credentials = {"email": os.environ["IMAGESWISS_EMAIL"], "password": os.environ["IMAGESWISS_PASSWORD"]}
out = os.environ.get("IMAGESWISS_OUT", "picture.png")

requests.post(f"{base}/api/v1/auth/register", json=credentials, timeout=30)
signin = requests.post(f"{base}/api/v1/auth/signin", json=credentials, timeout=30)
signin.raise_for_status()
api = requests.Session()
api.headers["Authorization"] = f"Bearer {signin.json()['tokens']['access_token']}"

# The models an admin enabled for generation (the default one is used when a step names none),
# and the style presets.
models = [m for m in api.get(f"{base}/api/v1/ai/models", timeout=30).json()["items"] if m["operation"] == "generation"]
if not models:
    sys.exit("no generation model is enabled on this server")
model = next((m for m in models if m.get("is_default")), models[0])
presets = api.get(f"{base}/api/v1/ai/presets", timeout=30).json()["items"]
print(f"model: {model['label']} ({model['id']}); {len(presets)} presets")

# A generation takes no input file. Parameters are JSON values: count is a number.
step = {"operation": "generation",
        "parameters": {"prompt": "a lighthouse at dawn, watercolour", "aspect_ratio": "1:1", "model": model["id"], "count": 1}}
quote = api.post(f"{base}/api/v1/batches/quote", json={"input_file_ids": [], "steps": [step]}, timeout=30).json()
print(f"cost: {quote['total_credits']} credits, you have {quote['available_credits']}")

submitted = api.post(f"{base}/api/v1/jobs", json={"steps": [step]},
                     headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=60)
if submitted.status_code != 201:
    error = submitted.json()["error"]
    sys.exit(f"refused: {error['code']}: {error['message']}")
job = submitted.json()

# Live progress: each `data:` line of the event stream is the job as JSON; the stream ends when the
# job is final.
with api.get(f"{base}/api/v1/jobs/{job['id']}/events", stream=True, timeout=300) as events:
    for line in events.iter_lines(decode_unicode=True):
        if line.startswith("data: "):
            job = json.loads(line[len("data: "):])
            print(f"  {job['status']} {job['progress']}%")
print(f"job {job['id']}: {job['status']}, charged {job['charged_credits']} credits")
if job["status"] != "succeeded":
    sys.exit(job.get("error") or 1)

picture = job["output_file_ids"][0]
about = api.get(f"{base}/api/v1/files/{picture}", timeout=30).json()
with open(out, "wb") as file:
    file.write(api.get(f"{base}/api/v1/files/{picture}/content", timeout=60).content)
print(f"picture: {about['width']}x{about['height']} {about['content_type']} in {out}")

#!/usr/bin/env bash
# Sign in, upload, quote, submit a batch, follow it, download the zip — with curl and jq.
set -euo pipefail
base="${IMAGESWISS_URL:?the edge, e.g. http://127.0.0.1:8080}"
out="${IMAGESWISS_OUT:-results.zip}"

# An account (registered the first time; 409 means it exists), then an access token.
curl -s -o /dev/null -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg e "$IMAGESWISS_EMAIL" --arg p "$IMAGESWISS_PASSWORD" '{email: $e, password: $p}')"
token=$(curl -sf -X POST "$base/api/v1/auth/signin" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg e "$IMAGESWISS_EMAIL" --arg p "$IMAGESWISS_PASSWORD" '{email: $e, password: $p}')" |
  jq -r .tokens.access_token)
auth=(-H "Authorization: Bearer $token")

# The photo, as the raw body; its name in a header.
file=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/files?purpose=upload" \
  -H 'Content-Type: application/octet-stream' -H "X-File-Name: $(basename "$IMAGESWISS_IMAGE")" \
  --data-binary "@$IMAGESWISS_IMAGE" | jq -r .id)

# What it costs, before anything is charged. Parameters are JSON numbers.
checklist=$(jq -n --arg f "$file" '{input_file_ids: [$f], steps: [
  {operation: "resize", parameters: {width: 512}}, {operation: "convert", parameters: {format: "webp"}}]}')
curl -sf "${auth[@]}" -X POST "$base/api/v1/batches/quote" -H 'Content-Type: application/json' -d "$checklist" |
  jq -r '"cost: \(.total_credits) credits, you have \(.available_credits)"'

# Submit with an Idempotency-Key: a retry of this request is the same batch, charged once.
batch=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/batches" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: quickstart-$(date +%s)-$$" -d "$checklist" | jq -r .id)

# Follow it until it is final.
for _ in $(seq 1 120); do
  status=$(curl -sf "${auth[@]}" "$base/api/v1/batches/$batch" | jq -r .status)
  [ "$status" = queued ] || [ "$status" = running ] || break
  sleep 0.5
done
echo "batch $batch: $status"
[ "$status" = succeeded ]

curl -sf "${auth[@]}" -o "$out" "$base/api/v1/batches/$batch/zip"
echo "results in $out"

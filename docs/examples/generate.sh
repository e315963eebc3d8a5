#!/usr/bin/env bash
# A picture from words — the default generation model, the cost, a job followed until final, the
# picture downloaded — with curl and jq.
set -euo pipefail
base="${IMAGESWISS_URL:?the edge, e.g. http://127.0.0.1:8080}"
out="${IMAGESWISS_OUT:-picture.png}"

login=$(jq -n --arg e "$IMAGESWISS_EMAIL" --arg p "$IMAGESWISS_PASSWORD" '{email: $e, password: $p}')
curl -s -o /dev/null -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' -d "$login"
token=$(curl -sf -X POST "$base/api/v1/auth/signin" -H 'Content-Type: application/json' -d "$login" |
  jq -r .tokens.access_token)
auth=(-H "Authorization: Bearer $token")

# The generation models; a step that names none gets the default one.
curl -sf "${auth[@]}" "$base/api/v1/ai/models" |
  jq -r '.items[] | select(.operation == "generation") | "model: \(.label) (\(.id))\(if .is_default then ", default" else "" end)"'

# No input file; parameters are JSON values.
step='{operation: "generation", parameters: {prompt: "a lighthouse at dawn, watercolour", aspect_ratio: "1:1", count: 1}}'
curl -sf "${auth[@]}" -X POST "$base/api/v1/batches/quote" -H 'Content-Type: application/json' \
  -d "$(jq -n "{input_file_ids: [], steps: [$step]}")" |
  jq -r '"cost: \(.total_credits) credits, you have \(.available_credits)"'
job=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/jobs" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: generate-$(date +%s)-$$" -d "$(jq -n "{steps: [$step]}")" | jq -r .id)

# Follow it until it is final (curl -N "$base/api/v1/jobs/$job/events" streams the same live).
for _ in $(seq 1 300); do
  answer=$(curl -sf "${auth[@]}" "$base/api/v1/jobs/$job")
  status=$(jq -r .status <<<"$answer")
  [ "$status" = queued ] || [ "$status" = running ] || break
  sleep 0.5
done
echo "job $job: $status, charged $(jq -r .charged_credits <<<"$answer") credits"
[ "$status" = succeeded ]

picture=$(jq -r '.output_file_ids[0]' <<<"$answer")
curl -sf "${auth[@]}" -o "$out" "$base/api/v1/files/$picture/content"
curl -sf "${auth[@]}" "$base/api/v1/files/$picture" | jq -r --arg out "$out" '"picture: \(.width)x\(.height) \(.content_type) in \($out)"'

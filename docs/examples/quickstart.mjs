// Sign in, upload, quote, submit a batch, follow it, download the zip — with fetch (Node 18+).
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { randomUUID } from "node:crypto";

const base = process.env.IMAGESWISS_URL;
const credentials = { email: process.env.IMAGESWISS_EMAIL, password: process.env.IMAGESWISS_PASSWORD };
const image = process.env.IMAGESWISS_IMAGE;
const out = process.env.IMAGESWISS_OUT || "results.zip";

async function call(method, path, { token, json, body, headers = {} } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(json ? { "Content-Type": "application/json" } : {}), ...headers },
    body: json ? JSON.stringify(json) : body,
  });
  if (!response.ok && !(method === "POST" && path === "/api/v1/auth/register")) {
    const { error } = await response.json(); // every error: {code, message, field?, request_id}
    throw new Error(`${method} ${path}: ${error.code}: ${error.message}`);
  }
  return response;
}

// An account (registered the first time; 409 means it exists), then an access token.
await call("POST", "/api/v1/auth/register", { json: credentials });
const token = (await (await call("POST", "/api/v1/auth/signin", { json: credentials })).json()).tokens.access_token;

// The photo, as the raw body; its name in a header.
const file = await (await call("POST", "/api/v1/files?purpose=upload", {
  token, body: await readFile(image), headers: { "Content-Type": "application/octet-stream", "X-File-Name": basename(image) },
})).json();

// What it costs, before anything is charged. Parameters are JSON numbers.
const checklist = { input_file_ids: [file.id], steps: [
  { operation: "resize", parameters: { width: 512 } }, { operation: "convert", parameters: { format: "webp" } }] };
const quote = await (await call("POST", "/api/v1/batches/quote", { token, json: checklist })).json();
console.log(`cost: ${quote.total_credits} credits, you have ${quote.available_credits}`);

// Submit with an Idempotency-Key: a retry of this request is the same batch, charged once.
const batch = await (await call("POST", "/api/v1/batches", { token, json: checklist, headers: { "Idempotency-Key": randomUUID() } })).json();

// Follow it until it is final.
let status = batch.status;
for (let i = 0; i < 120 && ["queued", "running"].includes(status); i++) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  status = (await (await call("GET", `/api/v1/batches/${batch.id}`, { token })).json()).status;
}
console.log(`batch ${batch.id}: ${status}`);
if (status !== "succeeded") process.exit(1);

await writeFile(out, Buffer.from(await (await call("GET", `/api/v1/batches/${batch.id}/zip`, { token })).arrayBuffer()));
console.log(`results in ${out}`);

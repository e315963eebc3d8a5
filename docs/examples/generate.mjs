// A picture from words — models, the cost, a generation job followed live over server-sent
// events, the picture downloaded — with fetch (Node 18+).
import { writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";

const base = process.env.IMAGESWISS_URL;
const credentials = { email: process.env.IMAGESWISS_EMAIL, password: process.env.IMAGESWISS_PASSWORD };
const out = process.env.IMAGESWISS_OUT ?? "picture.png";

const post = (path, body, headers = {}) => fetch(base + path, {
  method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body),
});
await post("/api/v1/auth/register", credentials);
const signin = await post("/api/v1/auth/signin", credentials);
if (!signin.ok) throw new Error(`sign-in: ${signin.status}`);
const auth = { Authorization: `Bearer ${(await signin.json()).tokens.access_token}` };
const get = async (path) => (await fetch(base + path, { headers: auth })).json();

// The models an admin enabled for generation; the default one is used when a step names none.
const models = (await get("/api/v1/ai/models")).items.filter((m) => m.operation === "generation");
if (models.length === 0) throw new Error("no generation model is enabled on this server");
const model = models.find((m) => m.is_default) ?? models[0];
console.log(`model: ${model.label} (${model.id})`);

const step = { operation: "generation", parameters: { prompt: "a lighthouse at dawn, watercolour", aspect_ratio: "1:1", model: model.id, count: 1 } };
const quote = await (await post("/api/v1/batches/quote", { input_file_ids: [], steps: [step] }, auth)).json();
console.log(`cost: ${quote.total_credits} credits, you have ${quote.available_credits}`);

const submitted = await post("/api/v1/jobs", { steps: [step] }, { ...auth, "Idempotency-Key": randomUUID() });
if (submitted.status !== 201) {
  const { error } = await submitted.json();
  throw new Error(`refused: ${error.code}: ${error.message}`);
}
let job = await submitted.json();

// Live progress: each `data:` line is the job as JSON; the stream ends when the job is final.
const events = await fetch(`${base}/api/v1/jobs/${job.id}/events`, { headers: auth });
let pending = "";
for await (const chunk of events.body.pipeThrough(new TextDecoderStream())) {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop();
  for (const line of lines) {
    if (!line.startsWith("data: ")) continue;
    job = JSON.parse(line.slice("data: ".length));
    console.log(`  ${job.status} ${job.progress}%`);
  }
}
console.log(`job ${job.id}: ${job.status}, charged ${job.charged_credits} credits`);
if (job.status !== "succeeded") throw new Error(job.error ?? "failed");

const picture = job.output_file_ids[0];
const about = await get(`/api/v1/files/${picture}`);
const content = await fetch(`${base}/api/v1/files/${picture}/content`, { headers: auth });
await writeFile(out, Buffer.from(await content.arrayBuffer()));
console.log(`picture: ${about.width}x${about.height} ${about.content_type} in ${out}`);

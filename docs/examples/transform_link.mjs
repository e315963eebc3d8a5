// A transformation link for one's own site, signed with Node's crypto (Node 18+): a key, a link,
// the first view (computed and charged once) and the next (from cache, free).
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";

const base = process.env.IMAGESWISS_URL;
const credentials = { email: process.env.IMAGESWISS_EMAIL, password: process.env.IMAGESWISS_PASSWORD };
const json = { "Content-Type": "application/json" };

await fetch(`${base}/api/v1/auth/register`, { method: "POST", headers: json, body: JSON.stringify(credentials) });
const signin = await (await fetch(`${base}/api/v1/auth/signin`, { method: "POST", headers: json, body: JSON.stringify(credentials) })).json();
const auth = { Authorization: `Bearer ${signin.tokens.access_token}` };
const file = await (await fetch(`${base}/api/v1/files`, {
  method: "POST", headers: { ...auth, "Content-Type": "application/octet-stream" }, body: await readFile(process.env.IMAGESWISS_IMAGE),
})).json();
const { secret } = await (await fetch(`${base}/api/v1/transformations/keys`, { method: "POST", headers: auth })).json();

/** /t/{signature}/{options}/{fileID}[.ext]: HMAC-SHA256 keyed by the secret over the path after the signature. */
function link(options, fileID, extension = "") {
  const path = `/${options}/${fileID}${extension ? `.${extension}` : ""}`;
  return `/t/${createHmac("sha256", secret).update(path).digest("base64url")}${path}`;
}
const available = async () => (await (await fetch(`${base}/api/v1/billing/balance`, { headers: auth })).json()).available;

const thumbnail = link("rs:fill:300:200/q:80", file.id, "webp");
const before = await available();
const first = await fetch(base + thumbnail); // no credentials: anyone with the link
if (first.status !== 200) { console.error("refused:", await first.text()); process.exit(1); }
const bytes = (await first.arrayBuffer()).byteLength;
const charged = before - await available();
const again = await fetch(base + thumbnail);
console.log(`${first.headers.get("content-type")}, ${bytes} bytes, charged ${charged} credits once; ` +
  `again: ${again.status}, same ETag: ${again.headers.get("etag") === first.headers.get("etag")}, charged ${before - charged - await available()} more`);
console.log(`Cache-Control: ${first.headers.get("cache-control")}`);

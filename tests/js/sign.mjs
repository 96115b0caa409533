// Signs one request with the AWS SDK for JavaScript's SigV4 signer (@smithy/signature-v4) and
// prints it as JSON: {"method", "url", "headers"}. Input (stdin, JSON): method, url, headers,
// body (text), service, region, accessKeyId, secretAccessKey, sessionToken, presign (seconds).
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const url = new URL(input.url);
const query = {};
for (const [key, value] of url.searchParams) query[key] = value;
const request = {
  method: input.method,
  protocol: url.protocol,
  hostname: url.hostname,
  port: url.port ? Number(url.port) : undefined,
  path: url.pathname,
  query,
  headers: { host: url.host, ...(input.headers || {}) },
  body: input.body || undefined,
};
const signer = new SignatureV4({
  credentials: {
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
    sessionToken: input.sessionToken || undefined,
  },
  region: input.region,
  service: input.service,
  sha256: Sha256,
});
const signed = input.presign
  ? await signer.presign(request, { expiresIn: input.presign })
  : await signer.sign(request);
const search = new URLSearchParams(signed.query).toString();
process.stdout.write(
  JSON.stringify({
    method: signed.method,
    url: `${url.protocol}//${url.host}${signed.path}${search ? `?${search}` : ""}`,
    headers: signed.headers,
  }),
);

// Verifies tokens with jose the way an outside service does: the issuer's discovery document
// names the JWKS, createRemoteJWKSet fetches it (again when a token names an unknown key id).
// Input (stdin): a JSON list of {token, issuer, audience}. Output: a JSON list of
// {payload, header} or {error} per token. TLS trust comes from NODE_EXTRA_CA_CERTS.
import { createRemoteJWKSet, jwtVerify } from "jose";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const requests = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const keySets = new Map();

async function keySet(issuer) {
  if (!keySets.has(issuer)) {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    const discovery = await response.json();
    if (discovery.issuer !== issuer) throw new Error(`discovery names ${discovery.issuer}`);
    keySets.set(issuer, createRemoteJWKSet(new URL(discovery.jwks_uri)));
  }
  return keySets.get(issuer);
}

const results = [];
for (const { token, issuer, audience } of requests) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, await keySet(issuer), {
      issuer,
      audience,
      algorithms: ["RS256", "ES384"],
    });
    results.push({ payload, header: protectedHeader });
  } catch (error) {
    results.push({ error: `${error.code || error.name}: ${error.message}` });
  }
}
process.stdout.write(JSON.stringify(results));

// An unmodified use of the AWS SDK for JavaScript v3: credentials from one provider of
// @aws-sdk/credential-providers (or its default Node.js chain), then GetCallerIdentity on rolegate.
// Usage: node whoami.mjs instance|container|http|process|chain ROLEGATE_URL
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
  fromContainerMetadata,
  fromHttp,
  fromInstanceMetadata,
  fromNodeProviderChain,
  fromProcess,
} from "@aws-sdk/credential-providers";

const [mode, endpoint] = process.argv.slice(2);
const providers = {
  instance: () => fromInstanceMetadata({ timeout: 5000, maxRetries: 1 }),
  container: () => fromContainerMetadata({ timeout: 5000, maxRetries: 1 }),
  http: () => fromHttp(),
  process: () => fromProcess(),
  chain: () => fromNodeProviderChain(),
};
const credentials = providers[mode]();
const found = await credentials();
const sts = new STSClient({ region: "us-east-1", endpoint, credentials });
const identity = await sts.send(new GetCallerIdentityCommand({}));
console.log(JSON.stringify({ key: found.accessKeyId, arn: identity.Arn, expiration: found.expiration }));

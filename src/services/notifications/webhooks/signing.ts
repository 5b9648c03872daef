/** Standard Webhooks signing, shared with the payment provider's webhooks: src/platform/webhooks/standard-webhooks.ts. */
export { SECRET_PREFIX, newSecret, signature, signedHeaders } from '../../../platform/webhooks/standard-webhooks.js';

import { providerSettingsFrom, startPaymentProvider } from './provider.js';

/** `node --import tsx src/tools/payment-provider/main.ts`: the fake provider as its own process (PORT, PAYMENT_PROVIDER_*). */
const provider = await startPaymentProvider(providerSettingsFrom(process.env), Number(process.env['PORT'] ?? 0), process.env['HOST'] ?? '127.0.0.1');
process.stdout.write(`payment provider listening on ${provider.url}\n`);
const stop = () => void provider.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

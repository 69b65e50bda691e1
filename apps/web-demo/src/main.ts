// `pnpm --filter @remotemedia/web-demo start`: serves the demo on http://127.0.0.1:8787/
// Env: HOST, PORT, DEMO_TOKEN (optional; then open /?token=<DEMO_TOKEN>).
import { createDemoServer } from './demo-server.js';

const server = await createDemoServer({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8787),
  ...(process.env.DEMO_TOKEN ? { authTokens: [process.env.DEMO_TOKEN] } : {}),
});
console.log(`RemoteMedia WebRTC demo: open ${server.url}${process.env.DEMO_TOKEN ? '?token=…' : ''}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

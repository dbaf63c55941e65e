// Serves the React and Vue examples: `npx tsx examples/frameworks/main.ts [backend URL]` (default http://localhost:3000,
// the port EXAMPLE_PORT or 3003), and prints their addresses.
import { serveFrameworkExamples } from './serve';

const served = await serveFrameworkExamples({ port: Number(process.env.EXAMPLE_PORT ?? 3003), backendUrl: process.argv[2] ?? 'http://localhost:3000' });
const origin = new URL(served.url).origin;
console.log(`React: ${served.pages.react}\nVue:   ${served.pages.vue}\n(the site must allow ${origin}: npm run site -- origins demo --add ${origin})`);

// The Parquet encoder thread's entry when sluice runs from its TypeScript sources (tsx, tests): a worker
// thread starts without the main thread's tsx hooks, so it registers them before loading parquet-thread.ts.
// Compiled (dist/), parquet-thread-client starts parquet-thread.js directly and this file is unused.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);

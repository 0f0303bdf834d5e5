/**
 * Healthy means what clients need: the Confluent-compatible API answers a real request (list subjects)
 * with a JSON array. Short timeout: the caller polls.
 */
export async function probeSchemaRegistry(url: string): Promise<void> {
  const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url}/subjects answered ${res.status}`);
  const body: unknown = await res.json();
  if (!Array.isArray(body)) throw new Error(`GET ${url}/subjects did not answer a JSON array`);
}

/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [top]`: where a V8 CPU profile (node --cpu-prof, as
 * `npm run bench -- --cpu-prof DIR` takes of the worker) spent its time — self time per function and per
 * package or source file, as shares of the busy (non-idle) time. Used for the notes in bench/RESULTS.md.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: bench/profile-summary.ts FILE.cpuprofile [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const fnTime = new Map<string, number>();
const groupTime = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') {
    idle += us;
    continue;
  }
  busy += us;
  const fn = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
  fnTime.set(fn, (fnTime.get(fn) ?? 0) + us);
  const group = groupOf(functionName, url);
  groupTime.set(group, (groupTime.get(group) ?? 0) + us);
}

const pct = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
console.log(`busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`);
console.log('\nby package / file (self time):');
for (const [g, us] of [...groupTime].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${pct(us).padStart(7)}  ${(us / 1e6).toFixed(2).padStart(6)} s  ${g}`);
}
console.log('\nby function (self time):');
for (const [f, us] of [...fnTime].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${pct(us).padStart(7)}  ${(us / 1e6).toFixed(2).padStart(6)} s  ${f}`);
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*\/work\/main\//, '');
}

function groupOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / builtin)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
}

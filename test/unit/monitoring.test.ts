import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readWorkerMetrics } from '../../cli/config.ts';
import { createApiMetrics } from '../../observability/api-metrics.ts';
import { createWorkerMetrics } from '../../observability/worker-metrics.ts';

const root = new URL('../../', import.meta.url);
const dashboard = JSON.parse(
  readFileSync(new URL('monitoring/grafana/dashboards/sluice.json', root), 'utf8'),
) as {
  panels: { title: string; targets: { expr: string }[] }[];
};

// The dashboard and the Prometheus config are only text: these keep them in step with what sluice serves.
describe('monitoring/: the Grafana dashboard and Prometheus config', () => {
  // Collectors run at scrape time only, so no database is needed to list the names.
  const served = new Set(
    [
      ...createApiMetrics({} as pg.Pool).registry.getMetricsAsArray(),
      ...createWorkerMetrics({ readLag: async () => [] }).registry.getMetricsAsArray(),
    ].map((m) => m.name),
  );

  for (const panel of dashboard.panels) {
    it(`panel "${panel.title}" queries only series sluice serves`, () => {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = [...expr.matchAll(/\bsluice_[a-z0-9_]+/g)].map((m) =>
          m[0].replace(/_(bucket|count|sum)$/, ''),
        );
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) expect(served, `${name} in ${expr}`).toContain(name);
      }
    });
  }

  it('every metric sluice serves of its own is on the dashboard', () => {
    const onBoard = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    const own = [...served].filter((n) => !/^sluice_(api|worker)_(process|nodejs)_/.test(n));
    for (const name of own) expect(onBoard, name).toContain(name);
  });

  it('Prometheus scrapes the ports the services listen on by default', () => {
    const config = readFileSync(new URL('monitoring/prometheus.yml', root), 'utf8');
    expect(config).toContain(`port: ${readWorkerMetrics({}).metrics!.port}`);
    expect(config).toContain("targets: ['api:8080']");
    const compose = readFileSync(new URL('docker-compose.yml', root), 'utf8');
    expect(compose).toContain('./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml');
    expect(compose).toContain('./monitoring/grafana/dashboards:/var/lib/grafana/dashboards');
  });
});

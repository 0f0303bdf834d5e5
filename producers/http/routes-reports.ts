import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SluiceError } from '../../core/errors.ts';
import {
  createPgSharedLinkStore,
  DEFAULT_SHARED_LINK_LIFETIMES,
  type SharedLink,
} from '../../reports/shared-links.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import { fieldErrorsFromZod, invalid } from './problem.ts';
import { parseReportBody, submitExport } from './routes-exports.ts';

const SharedLinkBodySchema = z.strictObject({
  /** Drawn across every PDF page and PNG exported through the link: who it was shared with, and why. */
  watermark: z.string().trim().min(1).max(200),
  /** When the link stops working (RFC 3339 with a zone); the configured default lifetime when absent. */
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

/**
 * Report routes besides the whole-report export: one visual alone, and shared links — created with a
 * watermark text, listed, revoked (PostgreSQL) — through which anyone holding the link's secret exports the
 * report as the link's creator sees it, the watermark always drawn.
 */
export function registerReportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const links = createPgSharedLinkStore(deps.pool);
  const lifetimes = deps.sharedLinkLifetimes ?? DEFAULT_SHARED_LINK_LIFETIMES;

  const reportOr404 = (id: string) => {
    const report = deps.reportSource ? deps.planning.catalog.report(id) : undefined;
    if (!report)
      throw new SluiceError('REPORT_NOT_FOUND', `no report ${JSON.stringify(id)}`, {
        details: { reportId: id },
      });
    return report;
  };

  app.post<{ Params: { id: string; visualId: string } }>(
    '/v1/reports/:id/visuals/:visualId/export',
    async (req, reply) => {
      const identity = await authenticate(deps.tokens, req);
      const { id, visualId } = req.params;
      const report = reportOr404(id);
      const page = report.pages.find((p) => p.visuals.some((v) => v.id === visualId));
      if (!page) {
        throw new SluiceError('VISUAL_NOT_FOUND', `report ${id} has no visual ${JSON.stringify(visualId)}`, {
          details: { reportId: id, visualId },
        });
      }
      const body = req.body as Record<string, unknown> | null;
      if (body && typeof body === 'object' && ('pages' in body || 'visuals' in body)) {
        throw invalid(
          ['pages', 'visuals']
            .filter((f) => f in body)
            .map((field) => ({ field, rule: 'the path names the visual; omit it' })),
        );
      }
      return submitExport(deps, req, reply, identity, () =>
        parseReportBody(deps, id, { ...(body ?? {}), pages: [page.id] }, { visuals: [visualId] }),
      );
    },
  );

  app.post<{ Params: { id: string } }>('/v1/reports/:id/shared-links', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    reportOr404(req.params.id);
    const parsed = SharedLinkBodySchema.safeParse(req.body);
    if (!parsed.success) throw invalid(fieldErrorsFromZod(parsed.error));
    let expires: { at: Date } | { inSeconds: number } = { inSeconds: lifetimes.defaultTtlSeconds };
    if (parsed.data.expires_at !== undefined) {
      const at = new Date(parsed.data.expires_at);
      const now = Date.now();
      if (at.getTime() <= now) throw invalid([{ field: 'expires_at', rule: 'must be in the future' }]);
      if (at.getTime() > now + lifetimes.maxTtlSeconds * 1000) {
        throw invalid([
          {
            field: 'expires_at',
            rule: `at most ${lifetimes.maxTtlSeconds / 86_400} days from now (SLUICE_SHARED_LINK_MAX_TTL_DAYS)`,
          },
        ]);
      }
      expires = { at };
    }
    const { link, token } = await links.create({
      workspaceId: identity.workspaceId,
      reportId: req.params.id,
      createdBy: identity.userId,
      watermark: parsed.data.watermark,
      expires,
    });
    return reply
      .code(201)
      .header('location', `/v1/reports/${encodeURIComponent(req.params.id)}/shared-links/${link.id}`)
      .send({ ...view(link), token, export_url: `/v1/shared-links/${token}/export` });
  });

  app.get<{ Params: { id: string } }>('/v1/reports/:id/shared-links', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    reportOr404(req.params.id);
    return { shared_links: (await links.list(identity.workspaceId, req.params.id)).map(view) };
  });

  app.delete<{ Params: { id: string; linkId: string } }>(
    '/v1/reports/:id/shared-links/:linkId',
    async (req, reply) => {
      const identity = await authenticate(deps.tokens, req);
      reportOr404(req.params.id);
      if (!(await links.revoke(identity.workspaceId, req.params.id, req.params.linkId))) {
        throw new SluiceError(
          'SHARED_LINK_NOT_FOUND',
          `no live shared link ${JSON.stringify(req.params.linkId)}`,
        );
      }
      return reply.code(204).send();
    },
  );

  // The link's secret is the credential: no bearer token. The export is the creator's view of the report,
  // and the watermark comes from the stored link, never from the body.
  app.post<{ Params: { token: string } }>('/v1/shared-links/:token/export', async (req, reply) => {
    const found = await links.resolve(req.params.token);
    if (!found) throw new SluiceError('SHARED_LINK_NOT_FOUND', 'no live shared link for this URL');
    const { link, expired } = found;
    if (expired) {
      throw new SluiceError('SHARED_LINK_EXPIRED', `this shared link expired at ${link.expiresAt}`, {
        details: { expiresAt: link.expiresAt },
      });
    }
    const identity = {
      tokenId: link.id,
      workspaceId: link.workspaceId,
      userId: link.createdBy,
      kind: 'api' as const,
      role: 'member' as const,
    };
    return submitExport(deps, req, reply, identity, () =>
      parseReportBody(deps, link.reportId, req.body, { watermark: link.watermark }),
    );
  });
}

function view(link: SharedLink) {
  return {
    id: link.id,
    report_id: link.reportId,
    watermark: link.watermark,
    created_by: link.createdBy,
    created_at: link.createdAt,
    expires_at: link.expiresAt,
    revoked_at: link.revokedAt,
  };
}

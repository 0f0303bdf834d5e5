/**
 * Connection URLs carry credentials (`postgres://user:password@host/db`, `mysql://:pw@h`,
 * `…?password=…`), and driver messages sometimes quote them whole. Everything sluice writes where others
 * can read it — job errors, failure events, logs, CLI output, HTTP problems — goes through these two
 * functions, so a secret is masked the same way wherever it would have leaked.
 */
const MASK = '***';

/** Query parameters whose values are secrets (libpq's `password`, `sslpassword`, ODBC's `pwd`, tokens…). */
const SECRET_PARAM = /^(?:.*pass(?:word)?|pwd|.*secret|.*token|.*key|auth.*|credentials?)$/i;

/**
 * A URL with its user, password and secret parameters masked. Parsed with `new URL()`, so a password
 * containing `@` or `:` is masked whole (the authority ends at the last `@`); what cannot be parsed is masked
 * by pattern instead, never returned as it came.
 */
export function redactUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // A password holding `/`, `?` or `#` ends the authority early: the parser then sees no credentials and
  // the rest of the password lands in the path. Any `@` the parser did not take as the credentials' end
  // means exactly that, so such a URL is masked by pattern (over-masking rather than leaking).
  const strayAt = parsed !== undefined && !parsed.username && !parsed.password && url.includes('@');
  if (!parsed || strayAt || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return redactByPattern(url);
  if (parsed.username) parsed.username = MASK;
  if (parsed.password) parsed.password = MASK;
  const keys = [...new Set(parsed.searchParams.keys())];
  for (const key of keys) if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, MASK);
  // URLSearchParams percent-encodes the mask; keep it readable.
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/** `scheme://` up to the last `@`, and `password=…`-style pairs. */
function redactByPattern(text: string): string {
  return maskSecretPairs(
    text.replace(/^([a-z][a-z0-9+.-]*:\/\/)(.*@)/i, (_m, scheme: string) => `${scheme}${MASK}@`),
  );
}

function maskSecretPairs(text: string): string {
  return text.replace(
    /\b([a-z_]*(?:password|passwd|pwd|secret|token)[a-z_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,'")]+)/gi,
    (_m, key: string, eq: string) => `${key}${eq}${MASK}`,
  );
}

/**
 * Free text (an error message, a log field) with every URL in it passed through redactUrl and every
 * `password=…` pair masked. A URL ends at whitespace or a quote: a password with a space in it is not a
 * valid URL to any driver either.
 */
export function redactText(text: string): string {
  if (!text.includes('@') && !/pass|pwd|secret|token/i.test(text)) return text;
  const urls = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi, (url) => {
    const trail = /[).,;\]]+$/.exec(url)?.[0] ?? '';
    return redactUrl(url.slice(0, url.length - trail.length)) + trail;
  });
  return maskSecretPairs(urls);
}

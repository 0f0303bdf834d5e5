import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';

/**
 * The fonts every document is set in: DejaVu Sans (regular and bold), shipped by the `dejavu-fonts-ttf`
 * package, so a PDF looks the same wherever it is made. DejaVu covers Latin, Greek, Cyrillic, Armenian,
 * Georgian, Hebrew and Arabic (with Arabic joining forms; a string all in one right-to-left script is laid
 * out right to left, but mixed-direction text is not reordered by the Unicode bidi algorithm). Chinese and
 * Japanese (Han ideographs, kana) come from a fallback face, Droid Sans Fallback, from Debian's
 * `fonts-droid-fallback` (Apache-2.0; installed by the Dockerfile and .ci/run: 4 MB, where the Noto CJK
 * npm packages are 57 MB and more). Where that file is absent, or for a script neither face has (Hangul,
 * Thai, Devanagari…), a character is written as U+FFFD (�), visibly, instead of the empty box or nothing a
 * viewer would otherwise show — see `createGlyphFilter`.
 */
export interface FontSet {
  family: string;
  regularPath: string;
  boldPath: string;
  regular: Buffer;
  bold: Buffer;
  /** The CJK face, when installed: family name, file and bytes (one weight: bold text in it stays regular). */
  fallback?: { family: string; path: string; bytes: Buffer };
  /** Replaces every character no face can draw with U+FFFD (or `?` if even that is missing). */
  renderable(text: string): string;
  /** The renderable text cut into runs by the face that draws them (`fallback` only where DejaVu cannot). */
  runs(text: string): TextRun[];
}

export interface TextRun {
  text: string;
  face: 'primary' | 'fallback';
}

/** Where Debian's fonts-droid-fallback puts its full face. */
export const CJK_FALLBACK_PATHS = ['/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf'];

const require = createRequire(import.meta.url);

export function loadFontSet({
  fallbackPaths = CJK_FALLBACK_PATHS,
}: { fallbackPaths?: string[] } = {}): FontSet {
  const dir = require.resolve('dejavu-fonts-ttf/package.json').replace(/package\.json$/, 'ttf/');
  const regularPath = `${dir}DejaVuSans.ttf`;
  const boldPath = `${dir}DejaVuSans-Bold.ttf`;
  const regular = readFileSync(regularPath);
  const bold = readFileSync(boldPath);
  const fallbackPath = fallbackPaths.find((p) => existsSync(p));
  const fallback = fallbackPath
    ? { family: 'Droid Sans Fallback', path: fallbackPath, bytes: readFileSync(fallbackPath) }
    : undefined;
  const primaryHas = createCoverage(regular);
  const fallbackHas = fallback ? createCoverage(fallback.bytes) : () => false;
  const renderable = createGlyphFilter(regular, fallbackHas);
  return {
    family: 'DejaVu Sans',
    regularPath,
    boldPath,
    regular,
    bold,
    ...(fallback ? { fallback } : {}),
    renderable,
    runs(text) {
      const runs: TextRun[] = [];
      for (const ch of renderable(text)) {
        const face =
          !primaryHas(ch.codePointAt(0)!) && fallbackHas(ch.codePointAt(0)!) ? 'fallback' : 'primary';
        const last = runs[runs.length - 1];
        if (last && last.face === face) last.text += ch;
        else runs.push({ text: ch, face });
      }
      return runs;
    },
  };
}

function createCoverage(fontBytes: Buffer): (cp: number) => boolean {
  const font = fontkit.create(fontBytes) as unknown as { hasGlyphForCodePoint(cp: number): boolean };
  const known = new Map<number, boolean>();
  return (cp) => {
    let ok = known.get(cp);
    if (ok === undefined) {
      // Line breaks and tabs are layout, not glyphs.
      ok = cp === 10 || cp === 13 || cp === 9 || font.hasGlyphForCodePoint(cp);
      known.set(cp, ok);
    }
    return ok;
  };
}

/** Characters neither the font nor the fallback (if any) can draw become U+FFFD (or `?`). */
export function createGlyphFilter(
  fontBytes: Buffer,
  fallbackHas: (cp: number) => boolean = () => false,
): (text: string) => string {
  const primary = createCoverage(fontBytes);
  const replacement = primary(0xfffd) ? '\uFFFD' : '?';
  const has = (cp: number) => primary(cp) || fallbackHas(cp);
  return (text) => {
    let out = '';
    let changed = false;
    for (const ch of text) {
      if (has(ch.codePointAt(0)!)) out += ch;
      else {
        out += replacement;
        changed = true;
      }
    }
    return changed ? out : text;
  };
}

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';

/**
 * The fonts every document is set in: DejaVu Sans (regular and bold), shipped by the `dejavu-fonts-ttf`
 * package, so no renderer reads the machine's fonts and a PDF looks the same wherever it is made. DejaVu
 * covers Latin, Greek, Cyrillic, Armenian, Georgian and Hebrew/Arabic letters (not shaped right-to-left);
 * it has no CJK. A character the font has no glyph for is written as U+FFFD (�), visibly, instead of the
 * empty box or nothing a viewer would otherwise show — see `createGlyphFilter`.
 */
export interface FontSet {
  family: string;
  regularPath: string;
  boldPath: string;
  regular: Buffer;
  bold: Buffer;
  /** Replaces every character the regular face cannot draw with U+FFFD (or `?` if even that is missing). */
  renderable(text: string): string;
}

const require = createRequire(import.meta.url);

export function loadFontSet(): FontSet {
  const dir = require.resolve('dejavu-fonts-ttf/package.json').replace(/package\.json$/, 'ttf/');
  const regularPath = `${dir}DejaVuSans.ttf`;
  const boldPath = `${dir}DejaVuSans-Bold.ttf`;
  const regular = readFileSync(regularPath);
  const bold = readFileSync(boldPath);
  return {
    family: 'DejaVu Sans',
    regularPath,
    boldPath,
    regular,
    bold,
    renderable: createGlyphFilter(regular),
  };
}

export function createGlyphFilter(fontBytes: Buffer): (text: string) => string {
  const font = fontkit.create(fontBytes) as unknown as { hasGlyphForCodePoint(cp: number): boolean };
  const replacement = font.hasGlyphForCodePoint(0xfffd) ? '\uFFFD' : '?';
  const known = new Map<number, boolean>();
  const has = (cp: number): boolean => {
    let ok = known.get(cp);
    if (ok === undefined) {
      // Line breaks and tabs are layout, not glyphs.
      ok = cp === 10 || cp === 13 || cp === 9 || font.hasGlyphForCodePoint(cp);
      known.set(cp, ok);
    }
    return ok;
  };
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

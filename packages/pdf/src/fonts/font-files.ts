import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A family of output fonts; each has a regular and a bold face, Latin families also italics. */
export type FontFamily =
  | 'sans'
  | 'serif'
  | 'sans-jp'
  | 'serif-jp'
  | 'sans-sc'
  | 'sans-tc'
  | 'sans-kr'
  | 'naskh-arabic'
  | 'sans-arabic'
  | 'sans-hebrew'
  | 'sans-devanagari'
  | 'math';

export interface FaceStyle {
  bold: boolean;
  italic: boolean;
}

/** One font file: a family in one style. */
export interface FontFace extends FaceStyle {
  family: FontFamily;
  /** Stable identity, e.g. `serif-bold-italic`. */
  key: string;
  packageName: string;
  file: string;
}

interface FamilyFiles {
  packageName: string;
  regular: string;
  bold?: string;
  italic?: string;
  boldItalic?: string;
}

const expo = (pkg: string, stem: string, italics = false): FamilyFiles => ({
  packageName: `@expo-google-fonts/${pkg}`,
  regular: `400Regular/${stem}_400Regular.ttf`,
  bold: `700Bold/${stem}_700Bold.ttf`,
  ...(italics
    ? {
        italic: `400Regular_Italic/${stem}_400Regular_Italic.ttf`,
        boldItalic: `700Bold_Italic/${stem}_700Bold_Italic.ttf`,
      }
    : {}),
});

/**
 * Every file is TrueType outlines (glyf): subsets of CFF-flavoured fonts come out
 * unreadable in poppler. All are under the SIL Open Font License.
 */
const FAMILIES: Record<FontFamily, FamilyFiles> = {
  sans: expo('noto-sans', 'NotoSans', true),
  serif: expo('noto-serif', 'NotoSerif', true),
  'sans-jp': expo('noto-sans-jp', 'NotoSansJP'),
  'serif-jp': expo('noto-serif-jp', 'NotoSerifJP'),
  'sans-sc': expo('noto-sans-sc', 'NotoSansSC'),
  'sans-tc': expo('noto-sans-tc', 'NotoSansTC'),
  'sans-kr': expo('noto-sans-kr', 'NotoSansKR'),
  'naskh-arabic': expo('noto-naskh-arabic', 'NotoNaskhArabic'),
  'sans-arabic': expo('noto-sans-arabic', 'NotoSansArabic'),
  'sans-devanagari': expo('noto-sans-devanagari', 'NotoSansDevanagari'),
  'sans-hebrew': {
    packageName: '@embedpdf/fonts-hebrew',
    regular: 'fonts/NotoSansHebrew-Regular.ttf',
    bold: 'fonts/NotoSansHebrew-Bold.ttf',
  },
  // The "latin" file of this package carries the whole Noto Sans Math glyph set
  // (mathematical operators, brackets such as ⟪ ⟫); it is WOFF 1, which fontkit reads.
  math: {
    packageName: '@fontsource/noto-sans-math',
    regular: 'files/noto-sans-math-latin-400-normal.woff',
  },
};

/** The face of `family` closest to `style` (families without italics or bold fall back to regular). */
export function faceOf(family: FontFamily, style: FaceStyle): FontFace {
  const files = FAMILIES[family];
  let file = files.regular;
  let bold = false;
  let italic = false;
  if (style.bold && style.italic && files.boldItalic)
    [file, bold, italic] = [files.boldItalic, true, true];
  else if (style.bold && files.bold) [file, bold] = [files.bold, true];
  else if (style.italic && files.italic) [file, italic] = [files.italic, true];
  const key = `${family}${bold ? '-bold' : ''}${italic ? '-italic' : ''}`;
  return { family, key, bold, italic, packageName: files.packageName, file };
}

const require = createRequire(import.meta.url);

/**
 * Absolute path of a face's file. Font packages export no file paths (some export
 * only CSS), so the package folder is found on the module search path instead.
 */
export function fontFilePath(face: FontFace): string {
  for (const dir of require.resolve.paths(face.packageName) ?? []) {
    const candidate = join(dir, face.packageName, face.file);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`Font file ${face.packageName}/${face.file} is not installed`);
}

/**
 * A font's name without the subset tag a PDF writer puts in front of an embedded subset
 * (`ABCDEF+NimbusRomNo9L-Regu` → `NimbusRomNo9L-Regu`): six capital letters and a plus sign.
 */
export function withoutSubsetTag(fontName: string): string {
  return fontName.replace(/^[A-Z]{6}\+/u, '');
}

// What both SPAs' browser tests check pages with, written once (issue 16: no copy between the two apps).

/** WCAG's contrast ratio of two `rgb(…)` colours (1.4.3, 1.4.11). */
export function contrast(a, b) {
  const lum = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * A browser that refuses site storage (Chromium's "don't allow sites to save data"): `sessionStorage` and
 * `localStorage` throw `SecurityError` on every access. Runs in the page: `context.addInitScript(denySiteStorage)`.
 */
export function denySiteStorage() {
  for (const name of ['sessionStorage', 'localStorage']) {
    Object.defineProperty(window, name, {
      configurable: true,
      get() {
        throw new DOMException(`Access to '${name}' is denied for this document.`, 'SecurityError');
      },
    });
  }
}

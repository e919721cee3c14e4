// make_icons.mjs — renders the app icons in assets/icons/ (home screen, manifest) from the favicon's
// drawing with headless Chromium. Run once when the favicon changes: node scripts/make_icons.mjs
import { chromium } from 'playwright-core';
const out = new URL('../assets/icons', import.meta.url).pathname;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const glyph = (stroke) => `<path d="M11 9c3-3 10-2 10 3 0 4-5 6-10 11h11" fill="none" stroke="#f5f5f5" stroke-width="${stroke}" stroke-linecap="round" stroke-linejoin="round"/>`;
const icons = [
  ['icon-192.png', 192, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#12141a"/>${glyph(3.5)}</svg>`],
  ['icon-512.png', 512, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#12141a"/>${glyph(3.5)}</svg>`],
  // maskable: full-bleed background, the glyph inside the central 60% (the safe zone is a circle of 80%)
  ['icon-maskable-512.png', 512, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-5 -5 42 42"><rect x="-5" y="-5" width="42" height="42" fill="#12141a"/>${glyph(3.2)}</svg>`],
];
for (const [name, size, svg] of icons) {
  const p = await b.newPage({ viewport: { width: size, height: size } });
  await p.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
  await p.screenshot({ path: `${out}/${name}`, omitBackground: true });
  await p.close();
}
await b.close();

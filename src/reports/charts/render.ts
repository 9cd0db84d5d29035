/**
 * vega-lite spec → SVG (vega's headless renderer, no DOM) → PNG (resvg). resvg is given the DejaVu fonts from
 * the `dejavu-fonts-ttf` npm package and never loads system fonts: without fonts every text element silently
 * vanishes from the PNG (shared/reference/dependencies.md §7), and system fonts differ between machines.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FONT } from './common.js';

/** PNGs are written at 300 dots per inch, as seed 004's charts were; SVG user units are CSS px (96 per inch). */
export const PNG_DPI = 300;
export const PNG_SCALE = PNG_DPI / 96;

let fontFiles: string[] | undefined;

export function bundledFontFiles(): string[] {
  if (!fontFiles) {
    const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Size of an SVG as vega wrote it (the root element's width/height attributes). */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('SVG has no width/height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

export function svgToPng(svg: string, scale = PNG_SCALE): Uint8Array {
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: false, fontFiles: bundledFontFiles(), defaultFontFamily: FONT, sansSerifFamily: FONT },
  });
  return withDpi(r.render().asPng(), Math.round(PNG_DPI / 0.0254));
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/**
 * Adds a pHYs chunk (pixels per metre, PNG spec §11.3.5.3) right after IHDR so viewers and word processors
 * size the image at 300 DPI. resvg writes none.
 */
export function withDpi(png: Uint8Array, pixelsPerMetre: number): Uint8Array {
  const buf = Buffer.from(png);
  const ihdrEnd = 8 + 8 + buf.readUInt32BE(8) + 4;
  const phys = Buffer.alloc(9);
  phys.writeUInt32BE(pixelsPerMetre, 0);
  phys.writeUInt32BE(pixelsPerMetre, 4);
  phys.writeUInt8(1, 8); // unit: metre
  return Buffer.concat([buf.subarray(0, ihdrEnd), chunk('pHYs', phys), buf.subarray(ihdrEnd)]);
}

/** Width and height from a PNG's IHDR chunk (bytes 16..24), which must come first after the signature. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(png);
  if (b.length < 24 || b.toString('latin1', 1, 4) !== 'PNG' || b.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

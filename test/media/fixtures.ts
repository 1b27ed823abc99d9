import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";

/** A photo-like RGB image: smooth gradients with seeded grain, like a generated picture. */
export function photoLikeRaw(width: number, height: number, seed = 1): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = (rnd() - 0.5) * 24;
      raw[i] = clamp(128 + 100 * Math.sin(x / 90) + n);
      raw[i + 1] = clamp((y / height) * 255 + n);
      raw[i + 2] = clamp(200 - 100 * Math.cos((x + y) / 150) + n);
    }
  }
  return raw;
}

export async function photoLikePng(width: number, height: number, seed = 1): Promise<Buffer> {
  const raw = photoLikeRaw(width, height, seed);
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

function ihdr(width: number, height: number): Buffer {
  const h = Buffer.alloc(13);
  h.writeUInt32BE(width, 0);
  h.writeUInt32BE(height, 4);
  h[8] = 8; // bit depth
  h[9] = 0; // greyscale
  return h;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A few hundred bytes that declare a width × height greyscale image (its data is truncated). */
export function headerOnlyBombPng(width: number, height: number): Buffer {
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", ihdr(width, height)),
    chunk("IDAT", deflateSync(Buffer.alloc(1024))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A complete, valid, all-black greyscale PNG: tiny on disk, width × height bytes once decoded. */
export function realBombPng(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width + 1) * height); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", ihdr(width, height)),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

import { sharp } from "../../media/sharp.ts";

/** Pictor's icon: a picture frame with a sun and hills on the accent colour. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<rect width="64" height="64" rx="14" fill="#5b37f0"/>
<rect x="12" y="14" width="40" height="36" rx="5" fill="none" stroke="#fff" stroke-width="4"/>
<circle cx="40" cy="25" r="4.5" fill="#ffd166"/>
<path d="M14 46l12-14 9 10 6-6 9 10z" fill="#fff"/>
</svg>
`;

const pngs = new Map<number, Promise<Buffer>>();

/** The icon as a PNG `size` pixels square (drawn once, then kept). */
export function iconPng(size: number): Promise<Buffer> {
  let png = pngs.get(size);
  if (!png) {
    png = sharp(Buffer.from(ICON_SVG), { density: Math.ceil((72 * size) / 64) })
      .resize(size, size)
      .png()
      .toBuffer();
    pngs.set(size, png);
  }
  return png;
}

let ico: Promise<Buffer> | undefined;

/** /favicon.ico: one 32 px PNG in an ICO container (as browsers and feed readers ask for it). */
export function faviconIco(): Promise<Buffer> {
  ico ??= iconPng(32).then((png) => {
    const header = Buffer.alloc(22);
    header.writeUInt16LE(0, 0); // reserved
    header.writeUInt16LE(1, 2); // type: icon
    header.writeUInt16LE(1, 4); // one image
    header.writeUInt8(32, 6); // width
    header.writeUInt8(32, 7); // height
    header.writeUInt8(0, 8); // no palette
    header.writeUInt8(0, 9); // reserved
    header.writeUInt16LE(1, 10); // colour planes
    header.writeUInt16LE(32, 12); // bits per pixel
    header.writeUInt32LE(png.length, 14); // size of the image
    header.writeUInt32LE(22, 18); // where it starts
    return Buffer.concat([header, png]);
  });
  return ico;
}

/** The web app manifest: name, colours and icons, for "add to home screen". */
export function manifest(name: string) {
  return {
    name,
    short_name: name.length > 12 ? "Pictor" : name,
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#fbfaf8",
    theme_color: "#5b37f0",
    icons: [
      { src: "/favicon.svg", sizes: "any", type: "image/svg+xml" },
      { src: "/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any maskable" },
    ],
  };
}

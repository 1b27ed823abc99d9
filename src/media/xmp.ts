/** IPTC's term for media created by a trained model from a prompt. */
export const TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

export interface Provenance {
  /** The provider that made the image, e.g. "openai" or "builtin". */
  provider: string;
  /** The model, e.g. "gpt-image-1". */
  model: string;
}

export interface ParsedProvenance {
  digitalSourceType?: string;
  aiSystemUsed?: string;
  creatorTool?: string;
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);

const unescapeXml = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e] as string);

/**
 * An XMP packet saying the image was made by a trained algorithm (IPTC
 * Digital Source Type) with which provider and model. It holds nothing that
 * varies between runs, so the same image always gets the same bytes.
 */
export function buildProvenanceXmp(p: Provenance): string {
  const system = escapeXml(p.model);
  const tool = escapeXml(`Pictor (${p.provider} ${p.model})`);
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"',
    '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
    `    Iptc4xmpExt:DigitalSourceType="${TRAINED_ALGORITHMIC_MEDIA}"`,
    `    Iptc4xmpExt:AISystemUsed="${system}"`,
    `    xmp:CreatorTool="${tool}"/>`,
    " </rdf:RDF>",
    "</x:xmpmeta>",
    '<?xpacket end="r"?>',
  ].join("\n");
}

/**
 * Reads back the fields buildProvenanceXmp writes, whether as attributes or
 * as elements (as some tools rewrite them).
 */
export function parseProvenanceXmp(xmp: string | Buffer | undefined): ParsedProvenance {
  if (!xmp) return {};
  const text = typeof xmp === "string" ? xmp : xmp.toString("utf8");
  const field = (qname: string): string | undefined => {
    const q = qname.replace(":", "\\:");
    const attr = new RegExp(`${q}="([^"]*)"`).exec(text);
    if (attr) return unescapeXml(attr[1]);
    const el = new RegExp(`<${q}>([^<]*)</${q}>`).exec(text);
    return el ? unescapeXml(el[1]) : undefined;
  };
  return {
    digitalSourceType: field("Iptc4xmpExt:DigitalSourceType"),
    aiSystemUsed: field("Iptc4xmpExt:AISystemUsed"),
    creatorTool: field("xmp:CreatorTool"),
  };
}

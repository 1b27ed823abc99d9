export type ImageQuality = "auto" | "low" | "medium" | "high";
export type ImageBackground = "auto" | "transparent" | "opaque";
export type ImageMediaType = "image/png" | "image/jpeg" | "image/webp";

/** What a person asks for. Providers validate it against the chosen model. */
export interface GenerationRequest {
  prompt: string;
  /** A model the provider offers; the provider's default when omitted. */
  model?: string;
  /** "WIDTHxHEIGHT", e.g. "1024x1024"; 1024x1024 when omitted. */
  size?: string;
  /** How many images (1 to 4, or fewer if the model allows fewer); 1 when omitted. */
  n?: number;
  /** Only the builtin provider honours seeds; a random one is used when omitted. */
  seed?: number;
  quality?: ImageQuality;
  background?: ImageBackground;
  /** Cancels the request (and any retries). */
  signal?: AbortSignal;
}

/** An edit: the prompt describes the change to make to `image`. */
export interface EditRequest extends GenerationRequest {
  /** The source image's bytes (PNG, JPEG or WebP). */
  image: Uint8Array;
  /** Optional PNG mask: transparent pixels mark where to edit. */
  mask?: Uint8Array;
}

export interface GeneratedImage {
  /** The image as the provider produced it, verified to be a PNG, JPEG or WebP. */
  bytes: Uint8Array;
  /** Detected from the bytes, not taken from the provider's word. */
  mediaType: ImageMediaType;
  width: number;
  height: number;
  /** The prompt the model actually used, when the provider rewrote it (dall-e-3 does). */
  revisedPrompt?: string;
  model: string;
  provider: string;
  /** The seed that reproduces this image, for providers that have seeds. */
  seed?: number;
}

export interface ImageProvider {
  /** "builtin", "openai", … — stored with each image. */
  readonly name: string;
  /** The models people may choose from, default first. */
  readonly models: readonly string[];
  readonly defaultModel: string;
  generate(req: GenerationRequest): Promise<GeneratedImage[]>;
  edit?(req: EditRequest): Promise<GeneratedImage[]>;
}

/** The outcome of a prompt check; `reason` says why a prompt was refused. */
export type PromptVerdict = { allowed: true } | { allowed: false; reason: string; source: "blocklist" | "moderation" };

// Evidence photos made small on the phone before upload: a 12-megapixel camera picture of 4 MB
// becomes a 1600-pixel JPEG of a few hundred kilobytes, which goes up in seconds on a village
// 4G signal. Anything the browser cannot decode (HEIC on Chrome) or that would grow is sent as it
// came; PDFs are never touched. The server decides the real type from the content.

/** The long side of a compressed photo, in pixels. */
export const MAX_SIDE = 1600
/** JPEG quality of a compressed photo. */
export const JPEG_QUALITY = 0.8
/** The server's limit per file (MONTHLY-CYCLE.md, Evidence). */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024
/** Files per claim. */
export const MAX_EVIDENCE = 3

/** What a file chooser may offer: photos and PDFs. */
export const EVIDENCE_ACCEPT = 'image/*,application/pdf'

const IMAGE_NAME = /\.(jpe?g|png|webp|heic|heif|gif|bmp|avif)$/i
const ACCEPTED_NAME = /\.(jpe?g|png|webp|heic|heif|pdf)$/i

export interface PreparedFile {
  blob: Blob
  name: string
}

/** A prepared file waiting on the form, with a key for lists and a thumbnail URL for photos. */
export interface LocalFile extends PreparedFile {
  key: string
  url: string | null
}

export type PrepareResult =
  | { ok: true; file: PreparedFile; compressed: boolean }
  | { ok: false; reason: 'too_large' | 'unsupported'; size: number }

/** Width and height scaled down so the long side is at most `maxSide` (never scaled up). */
export function scaledSize(
  width: number,
  height: number,
  maxSide: number = MAX_SIDE,
): { width: number; height: number; scaled: boolean } {
  const longSide = Math.max(width, height)
  if (!(longSide > maxSide)) return { width, height, scaled: false }
  const ratio = maxSide / longSide
  return {
    width: Math.max(1, Math.round(width * ratio)),
    height: Math.max(1, Math.round(height * ratio)),
    scaled: true,
  }
}

export function isPdf(file: { type: string; name?: string }): boolean {
  return file.type === 'application/pdf' || (!file.type && /\.pdf$/i.test(file.name ?? ''))
}

export function isImage(file: { type: string; name?: string }): boolean {
  return file.type.startsWith('image/') || (!file.type && IMAGE_NAME.test(file.name ?? ''))
}

/** "IMG_0001.HEIC" → "IMG_0001.jpg": the name follows the new content. */
export function jpegName(name: string): string {
  const base = name.replace(/\.[^./\\]+$/, '') || 'photo'
  return `${base}.jpg`
}

interface Decoded {
  source: CanvasImageSource
  width: number
  height: number
  release: () => void
}

async function decodeWithBitmap(blob: Blob): Promise<Decoded> {
  // 'from-image' turns a phone photo taken upright the right way up (EXIF orientation).
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' })
  return { source: bitmap, width: bitmap.width, height: bitmap.height, release: () => bitmap.close() }
}

function decodeWithImg(blob: Blob): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob)
    const img = new Image()
    img.onload = () =>
      resolve({
        source: img,
        width: img.naturalWidth,
        height: img.naturalHeight,
        release: () => URL.revokeObjectURL(url),
      })
    img.onerror = () => {
      URL.revokeObjectURL(url)
      reject(new Error('The image could not be decoded'))
    }
    img.src = url
  })
}

/** Decode an image with createImageBitmap where there is one, else an <img>. */
export async function decodeImage(blob: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      return await decodeWithBitmap(blob)
    } catch {
      // Older Safari refuses the options argument; the <img> path below still works there.
    }
  }
  return decodeWithImg(blob)
}

/** Draw the image at the given size and encode it as JPEG; null when the browser cannot. */
export async function encodeJpeg(
  source: CanvasImageSource,
  width: number,
  height: number,
  quality: number = JPEG_QUALITY,
): Promise<Blob | null> {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height)
    const ctx = canvas.getContext('2d')
    if (ctx) {
      // A transparent PNG would turn black in a JPEG; paper is white.
      ctx.fillStyle = '#fff'
      ctx.fillRect(0, 0, width, height)
      ctx.drawImage(source, 0, 0, width, height)
      return canvas.convertToBlob({ type: 'image/jpeg', quality })
    }
  }
  if (typeof document === 'undefined') return null
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const ctx = canvas.getContext('2d')
  if (!ctx) return null
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  ctx.drawImage(source, 0, 0, width, height)
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), 'image/jpeg', quality))
}

/**
 * A photo scaled to at most MAX_SIDE and re-encoded as JPEG. The original comes back when it
 * cannot be decoded (HEIC outside Safari) or when the result would not be smaller.
 */
export async function compressImage(
  blob: Blob,
  name: string,
  options: { maxSide?: number; quality?: number } = {},
): Promise<{ file: PreparedFile; compressed: boolean }> {
  const original = { file: { blob, name }, compressed: false }
  let decoded: Decoded
  try {
    decoded = await decodeImage(blob)
  } catch {
    return original
  }
  try {
    if (!decoded.width || !decoded.height) return original
    const size = scaledSize(decoded.width, decoded.height, options.maxSide ?? MAX_SIDE)
    const jpeg = await encodeJpeg(decoded.source, size.width, size.height, options.quality ?? JPEG_QUALITY)
    if (!jpeg || jpeg.size === 0 || jpeg.size >= blob.size) return original
    return { file: { blob: jpeg, name: jpegName(name) }, compressed: true }
  } catch {
    return original
  } finally {
    decoded.release()
  }
}

/**
 * Get a chosen file ready to send: photos compressed, PDFs as they are, anything else refused;
 * and nothing over the server's 5 MB.
 */
export async function prepareEvidence(file: File): Promise<PrepareResult> {
  const name = file.name || 'photo.jpg'
  let prepared: PreparedFile
  let compressed = false
  if (isPdf(file)) {
    prepared = { blob: file, name }
  } else if (isImage(file) || ACCEPTED_NAME.test(name)) {
    const result = await compressImage(file, name)
    prepared = result.file
    compressed = result.compressed
  } else {
    return { ok: false, reason: 'unsupported', size: file.size }
  }
  if (prepared.blob.size > MAX_UPLOAD_BYTES) {
    return { ok: false, reason: 'too_large', size: prepared.blob.size }
  }
  return { ok: true, file: prepared, compressed }
}

/** 1536000 → "1.5 MB", 20480 → "20 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  return `${Math.max(1, Math.round(bytes / 1024))} KB`
}

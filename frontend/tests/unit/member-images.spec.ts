// Photo compression on the phone: the scaling arithmetic, PDFs left alone, the original kept
// when it cannot be decoded (HEIC on Chrome) or would grow, and the 5 MB limit.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  MAX_UPLOAD_BYTES,
  compressImage,
  formatBytes,
  isImage,
  isPdf,
  jpegName,
  prepareEvidence,
  scaledSize,
} from '@/lib/images'

afterEach(() => {
  vi.unstubAllGlobals()
})

/** A fake decoder and encoder: createImageBitmap gives `size`, the canvas encodes to `bytes`. */
function fakeCanvas(size: { width: number; height: number } | Error, bytes: number) {
  const drawn: { width: number; height: number }[] = []
  const close = vi.fn()
  vi.stubGlobal(
    'createImageBitmap',
    vi.fn(async () => {
      if (size instanceof Error) throw size
      return { ...size, close }
    }),
  )
  class FakeOffscreenCanvas {
    constructor(
      public width: number,
      public height: number,
    ) {}
    getContext() {
      return {
        fillStyle: '',
        fillRect: () => undefined,
        drawImage: (_s: unknown, _x: number, _y: number, w: number, h: number) => drawn.push({ width: w, height: h }),
      }
    }
    async convertToBlob(options: { type: string; quality: number }) {
      expect(options).toEqual({ type: 'image/jpeg', quality: 0.8 })
      return new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' })
    }
  }
  vi.stubGlobal('OffscreenCanvas', FakeOffscreenCanvas)
  return { drawn, close }
}

function file(bytes: number, name: string, type: string): File {
  return new File([new Uint8Array(bytes)], name, { type })
}

describe('scaledSize', () => {
  it('scales the long side of a landscape photo down to 1600', () => {
    expect(scaledSize(4032, 3024)).toEqual({ width: 1600, height: 1200, scaled: true })
  })

  it('scales a portrait photo by its height', () => {
    expect(scaledSize(3024, 4032)).toEqual({ width: 1200, height: 1600, scaled: true })
  })

  it('never scales up', () => {
    expect(scaledSize(800, 600)).toEqual({ width: 800, height: 600, scaled: false })
    expect(scaledSize(1600, 900)).toEqual({ width: 1600, height: 900, scaled: false })
  })

  it('keeps at least one pixel of a very thin image', () => {
    expect(scaledSize(16000, 2, 1600)).toEqual({ width: 1600, height: 1, scaled: true })
  })

  it('rounds to whole pixels', () => {
    expect(scaledSize(4000, 3001)).toEqual({ width: 1600, height: 1200, scaled: true })
  })
})

describe('names and kinds', () => {
  it('renames a re-encoded photo to .jpg', () => {
    expect(jpegName('IMG_0001.HEIC')).toBe('IMG_0001.jpg')
    expect(jpegName('现场照片.png')).toBe('现场照片.jpg')
    expect(jpegName('photo')).toBe('photo.jpg')
  })

  it('tells PDFs and images apart, by type or by name', () => {
    expect(isPdf({ type: 'application/pdf' })).toBe(true)
    expect(isPdf({ type: '', name: '证明.PDF' })).toBe(true)
    expect(isImage({ type: 'image/heic' })).toBe(true)
    expect(isImage({ type: '', name: 'a.jpeg' })).toBe(true)
    expect(isImage({ type: 'application/pdf' })).toBe(false)
  })

  it('writes sizes for people', () => {
    expect(formatBytes(1536 * 1024)).toBe('1.5 MB')
    expect(formatBytes(20480)).toBe('20 KB')
  })
})

describe('compressImage', () => {
  it('draws a camera photo at 1600 px and keeps the smaller JPEG', async () => {
    const { drawn, close } = fakeCanvas({ width: 4032, height: 3024 }, 300_000)
    const result = await compressImage(file(4_000_000, 'IMG_1.jpg', 'image/jpeg'), 'IMG_1.jpg')
    expect(result.compressed).toBe(true)
    expect(result.file.name).toBe('IMG_1.jpg')
    expect(result.file.blob.size).toBe(300_000)
    expect(result.file.blob.type).toBe('image/jpeg')
    expect(drawn).toEqual([{ width: 1600, height: 1200 }])
    expect(close).toHaveBeenCalled()
  })

  it('sends the original when the JPEG would be larger', async () => {
    fakeCanvas({ width: 640, height: 480 }, 90_000)
    const original = file(50_000, 'small.png', 'image/png')
    const result = await compressImage(original, 'small.png')
    expect(result.compressed).toBe(false)
    expect(result.file.blob).toBe(original)
    expect(result.file.name).toBe('small.png')
  })

  it('sends the original when the browser cannot decode it (HEIC on Chrome)', async () => {
    fakeCanvas(new Error('unsupported'), 1)
    // No <img> decoding in the test DOM either: make it fail as Chrome does.
    vi.stubGlobal(
      'Image',
      class {
        onload: (() => void) | null = null
        onerror: (() => void) | null = null
        set src(_v: string) {
          setTimeout(() => this.onerror?.())
        }
      },
    )
    const heic = file(2_000_000, 'IMG_2.HEIC', 'image/heic')
    const result = await compressImage(heic, 'IMG_2.HEIC')
    expect(result).toEqual({ file: { blob: heic, name: 'IMG_2.HEIC' }, compressed: false })
  })
})

describe('prepareEvidence', () => {
  it('leaves a PDF untouched', async () => {
    const decode = vi.fn()
    vi.stubGlobal('createImageBitmap', decode)
    const pdf = file(100_000, '证明材料.pdf', 'application/pdf')
    const result = await prepareEvidence(pdf)
    expect(result).toEqual({ ok: true, file: { blob: pdf, name: '证明材料.pdf' }, compressed: false })
    expect(decode).not.toHaveBeenCalled()
  })

  it('refuses a PDF over 5 MB with its size', async () => {
    const result = await prepareEvidence(file(MAX_UPLOAD_BYTES + 1, 'big.pdf', 'application/pdf'))
    expect(result).toEqual({ ok: false, reason: 'too_large', size: MAX_UPLOAD_BYTES + 1 })
  })

  it('accepts an 8 MB photo that compresses below 5 MB', async () => {
    fakeCanvas({ width: 6000, height: 4000 }, 700_000)
    const result = await prepareEvidence(file(8_000_000, 'IMG_3.jpg', 'image/jpeg'))
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.file.blob.size).toBe(700_000)
  })

  it('refuses an undecodable photo over 5 MB', async () => {
    fakeCanvas(new Error('unsupported'), 1)
    vi.stubGlobal(
      'Image',
      class {
        onerror: (() => void) | null = null
        set src(_v: string) {
          setTimeout(() => this.onerror?.())
        }
      },
    )
    const result = await prepareEvidence(file(6_000_000, 'IMG_4.heic', 'image/heic'))
    expect(result).toMatchObject({ ok: false, reason: 'too_large' })
  })

  it('refuses a file that is neither a photo nor a PDF', async () => {
    const result = await prepareEvidence(file(1000, '总结.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'))
    expect(result).toMatchObject({ ok: false, reason: 'unsupported' })
  })
})

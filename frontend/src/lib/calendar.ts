// Calendar dates as the API writes them (YYYY-MM-DD) and as Vant's date picker holds them
// (['2026', '12', '06']), with no timezone involved: a date is a day, not an instant.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A real calendar date in YYYY-MM-DD (not 2026-02-30). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false
  const match = ISO_DATE.exec(value)
  if (!match) return false
  const [y, m, d] = match.slice(1).map(Number)
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

/** YYYY-MM-DD as a local Date at midnight (what Vant's min-date / max-date compare). */
export function isoToDate(value: string): Date {
  const [y, m, d] = value.split('-').map(Number)
  return new Date(y, m - 1, d)
}

/** The date kept inside [min, max]; either bound may be missing. ISO dates compare as text. */
export function clampIsoDate(value: string, min?: string | null, max?: string | null): string {
  if (min && value < min) return min
  if (max && value > max) return max
  return value
}

/**
 * What the picker opens on: the field's date when it has one, else the latest allowed day
 * (today, on the claim and entry forms), kept within the bounds.
 */
export function pickerStart(value: string | null | undefined, min?: string | null, max?: string | null, today?: string): string[] {
  const start = isIsoDate(value) ? value : (max ?? today ?? min ?? '')
  return isIsoDate(start) ? clampIsoDate(start, min, max).split('-') : []
}

/** The picker's selected values back to YYYY-MM-DD. */
export function pickerToIso(values: readonly (string | number)[]): string {
  const [y, m, d] = values.map((v) => String(v))
  return `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
}

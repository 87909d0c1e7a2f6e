// Rules the decision sheets check before asking the server, and which claim comes next.
import type { Claim } from '@/api/types'

export type DecisionMode = 'approve' | 'reduce' | 'return' | 'reject'

/** Tenths, so "0.5" and "1.0" compare exactly. */
function tenths(value: string): number | null {
  const text = value.trim()
  if (!/^\d+(\.\d)?$/.test(text)) return null
  return Math.round(Number(text) * 10)
}

/**
 * Points granted on 核减后通过: above 0, at most the claimed points, one decimal at most.
 * Returns an error kind or null.
 */
export function checkGrantedPoints(value: string, claimed: string): 'required' | 'invalid' | null {
  if (!value.trim()) return 'required'
  const granted = tenths(value)
  const max = tenths(String(Number(claimed)))
  if (granted === null || granted <= 0 || (max !== null && granted > max)) return 'invalid'
  return null
}

/** The value the API expects ("0.5"), from what was typed (" .5" is not accepted). */
export function normalisePoints(value: string): string {
  const n = tenths(value)
  return n === null ? value.trim() : (n / 10).toFixed(1)
}

/** Add a quick comment to what is written (each once, joined with Chinese punctuation). */
export function appendComment(current: string, chip: string): string {
  const text = current.trim()
  if (!text) return chip
  if (text.includes(chip)) return text
  return /[。；;.!！?？]$/.test(text) ? `${text}${chip}` : `${text}；${chip}`
}

/**
 * The next claim to decide after `currentId`: the first pending one that is not the current
 * one and not the reviewer's own (which they cannot decide).
 */
export function pickNextClaim(
  pending: Claim[],
  currentId: number,
  ownMemberId: number | null | undefined,
): Claim | null {
  return (
    pending.find(
      (c) => c.id !== currentId && c.status === 'submitted' && (ownMemberId == null || c.member.id !== ownMemberId),
    ) ?? null
  )
}

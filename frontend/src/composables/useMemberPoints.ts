// A member's points for the home page: this month approved and pending, the year by dimension
// against its cap, deductions and the score before evaluation (GET /members/{id}/points).
import { ref, shallowRef } from 'vue'
import { getPoints } from '@/api/points'
import type { DimensionPoints, MonthPoints, PointsSummary } from '@/api/types'

/** How much of a cap is used, 0–100 (whole percent); 0 when there is no cap. */
export function capPercent(counted: string | number | null | undefined, cap: string | number | null | undefined): number {
  const c = Number(cap)
  const n = Number(counted)
  if (!Number.isFinite(c) || c <= 0 || !Number.isFinite(n) || n <= 0) return 0
  return Math.min(100, Math.round((n / c) * 100))
}

const ZERO_MONTH = (period: string): MonthPoints => ({
  period,
  bonus: '0.0',
  deduction: '0.0',
  net: '0.0',
  pending: '0.0',
})

/** The month's row of a summary, zeros when the month has none yet. */
export function monthPoints(summary: PointsSummary | null, period: string): MonthPoints {
  return summary?.months.find((m) => m.period === period) ?? ZERO_MONTH(period)
}

/** The four dimensions in the rulebook's order; deductions are reported apart. */
export function bonusDimensions(summary: PointsSummary | null): DimensionPoints[] {
  const order = ['political', 'discipline', 'morality', 'contribution']
  return (summary?.dimensions ?? [])
    .filter((d) => d.dimension !== 'deduction')
    .sort((a, b) => order.indexOf(a.dimension) - order.indexOf(b.dimension))
}

export function useMemberPoints() {
  const summary = shallowRef<PointsSummary | null>(null)
  const loading = ref(false)
  const failed = ref(false)

  /** Load the year's points, or wait for a read already under way (`pending`). */
  async function load(memberId: number, year: number, pending?: Promise<PointsSummary>): Promise<void> {
    loading.value = true
    failed.value = false
    try {
      summary.value = await (pending ?? getPoints(memberId, year, { silent: true }))
    } catch {
      failed.value = true
    } finally {
      loading.value = false
    }
  }

  return { summary, loading, failed, load }
}

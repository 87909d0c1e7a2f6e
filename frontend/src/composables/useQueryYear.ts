// A page of one year (积分明细, 我的评议结果, 亮分 by year): the year asked in the address
// (?year=2025), or this year, and the address kept in step as the year changes.
import { ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { currentPeriod } from '@/lib/format'

/** The year in a ?year= value when it is a whole year from 2000 to `latest`, else `latest`. */
export function askedYear(value: unknown, latest: number): number {
  const asked = Number(value)
  return Number.isInteger(asked) && asked >= 2000 && asked <= latest ? asked : latest
}

/** This year in the standard's timezone. */
export const currentYear = () => Number(currentPeriod().slice(0, 4))

export function useQueryYear() {
  const route = useRoute()
  const router = useRouter()
  const thisYear = currentYear()
  const year = ref(askedYear(route.query.year, thisYear))
  /** Put the year shown in the address, so that a reload or the back button comes back to it. */
  function keepInAddress() {
    void router.replace({ query: { ...route.query, year: String(year.value) } })
  }
  return { thisYear, year, keepInAddress }
}

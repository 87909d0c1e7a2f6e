// Which items a search in the claim form's item picker finds among those the branch records
// (source `branch`: meetings, party lessons, theme party days, dues…), which members do not
// declare: the picker says so instead of "nothing found".
import type { StandardItem } from '@/api/types'
import { filterItems } from '@/composables/useStandardItems'

/** Words members use for the branch's meetings, which item titles do not always contain. */
const MEETING_WORDS = /会议|开会|参会|例会|meeting/i
/** Titles of the branch's meetings and lessons (支部党员大会, 党小组会, 党课, 主题党日…). */
const MEETING_TITLE = /会|党课|党日/

export interface BranchRecordedMatch {
  /** The branch-recorded items the search found, in the standard's order. */
  items: StandardItem[]
  /** The search names a meeting. */
  meeting: boolean
}

export function branchRecordedMatches(all: readonly StandardItem[], query: string): BranchRecordedMatch {
  const needle = query.replace(/\s+/g, '')
  if (!needle) return { items: [], meeting: false }
  const recorded = all
    .filter((item) => item.source === 'branch' && item.kind === 'bonus')
    .sort((a, b) => a.position - b.position || a.code.localeCompare(b.code))
  const meeting = MEETING_WORDS.test(needle)
  const found = filterItems(recorded, needle)
  return {
    items: found.length || !meeting ? found : recorded.filter((item) => MEETING_TITLE.test(item.title)),
    meeting,
  }
}

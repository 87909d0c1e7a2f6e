// 亮分公示: the month's ranking as an XLSX file for the notice board, and who may export it.
import { rankingXlsx } from '@/api/points'
import type { RoleAssignment } from '@/api/types'

/** The file's name as saved: 第一党支部-2026-11-亮分.xlsx (no characters a file system refuses). */
export function rankingFileName(branchName: string, period: string): string {
  const safe = branchName.replace(/[\\/:*?"<>|\s]+/g, '_')
  return `${safe}-${period}-亮分.xlsx`
}

/** Reviewers and secretaries of the branch (or anyone administering above it) print and export. */
export function mayPublish(roles: readonly RoleAssignment[], branchId: number): boolean {
  return roles.some(
    (r) =>
      ((r.role === 'reviewer' || r.role === 'secretary') && r.organisation_id === branchId) ||
      r.role === 'org_admin' ||
      r.role === 'superadmin',
  )
}

/** Hand a file to the browser as a download. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export async function downloadRanking(branch: { id: number; name: string }, period: string): Promise<void> {
  const blob = await rankingXlsx(branch.id, period)
  saveBlob(blob, rankingFileName(branch.name, period))
}

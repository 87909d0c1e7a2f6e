// Pure helpers of the import screens: what a row, a reason and the progress say, file checks.
import type { ImportJob, ImportRow, RowAction } from '@/api/imports'

type Translate = (key: string, params?: Record<string, unknown>) => string
type Exists = (key: string) => boolean

export const ROW_ACTIONS: RowAction[] = ['create', 'update', 'unchanged', 'refuse']
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024
const ACCEPTED = /\.(xlsx|csv)$/i

/** Codes are read aloud or copied from a sheet: spaces and case do not matter. */
export function normaliseCode(code: string): string {
  return code.replace(/\s+/g, '').toUpperCase()
}

/** Why a file is refused before it is sent (the server checks again), or null. */
export function fileProblem(file: { name: string; size: number }): 'wrongType' | 'tooLarge' | null {
  if (!ACCEPTED.test(file.name)) return 'wrongType'
  if (file.size > MAX_UPLOAD_BYTES) return 'tooLarge'
  return null
}

/** A refusal reason in the reader's language: ours by code, else the server's Chinese text. */
export function reasonText(reason: { code: string; message: string }, t: Translate, te: Exists): string {
  const key = `adminImport.reasons.${reason.code}`
  return te(key) ? t(key) : reason.message
}

/** A cell of the row as uploaded (text), for showing back what the sheet said. */
export function cell(row: ImportRow, key: string): string {
  const value = row.cells[key]
  return value === undefined || value === null ? '' : String(value)
}

/** Percent done of an apply, 0–100 (100 once applied). */
export function progressPercent(job: Pick<ImportJob, 'status' | 'progress'>): number {
  if (job.status === 'applied') return 100
  const { done, total } = job.progress
  if (!total) return 0
  return Math.min(100, Math.round((done / total) * 100))
}

/** Rows an apply would write. */
export function writable(job: Pick<ImportJob, 'counts'>): number {
  return job.counts.create + job.counts.update
}

/** The file name for a downloaded sheet, with the import id. */
export function sheetName(kind: 'report' | 'codes' | 'template', id?: number, format = 'xlsx'): string {
  if (kind === 'template') return `党员导入模板.${format}`
  return kind === 'report' ? `导入预检结果-${id}.xlsx` : `激活码-${id}.xlsx`
}

/** Tag colour of a row's action. */
export function actionType(action: RowAction): 'success' | 'warning' | 'default' | 'danger' {
  return ({ create: 'success', update: 'warning', unchanged: 'default', refuse: 'danger' } as const)[action]
}

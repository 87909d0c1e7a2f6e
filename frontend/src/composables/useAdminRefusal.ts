// What to tell an administrator when the API refuses: the code's message (errors.adminPeople),
// and for a bare `forbidden` a sentence naming who may do it on that screen.
import { errorMessage } from '@/api/messages'
import { isApiError } from '@/api/http'

type Translate = (key: string, params?: Record<string, unknown>) => string

export type RefusalContext = 'role' | 'member' | 'org'

export function peopleError(error: unknown, t: Translate, context: RefusalContext = 'member'): string {
  if (!isApiError(error)) return t('common.loadFailed')
  if (error.code === 'forbidden' || (error.status === 403 && error.code.startsWith('http_'))) {
    if (context === 'role') return t('adminPeople.refusal.forbiddenRole')
    if (context === 'member') return t('adminPeople.refusal.forbiddenMember')
  }
  return errorMessage(error, t)
}

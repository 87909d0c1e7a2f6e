// The outbox's questions to the member, in Vant dialogs (loaded when first asked).
import { showConfirmDialog } from 'vant'
import 'vant/es/dialog/style/index'
import { i18n } from '@/locales'

async function confirm(message: string, confirmText: string): Promise<boolean> {
  const t = i18n.global.t
  try {
    await showConfirmDialog({
      message,
      confirmButtonText: confirmText,
      cancelButtonText: t('common.cancel'),
    })
    return true
  } catch {
    return false
  }
}

/** Signing out with claims still waiting deletes them: ask first. */
export function confirmDiscardOnSignOut(count: number): Promise<boolean> {
  const t = i18n.global.t
  return confirm(t('offline.signOutConfirm', { n: count }), t('offline.signOutAnyway'))
}

/** Deleting one waiting claim. */
export function confirmRemove(): Promise<boolean> {
  const t = i18n.global.t
  return confirm(t('offline.list.removeConfirm'), t('offline.list.remove'))
}

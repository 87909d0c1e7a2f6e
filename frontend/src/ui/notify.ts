// Vant's notify bar for errors nobody on the page handles; loaded on first use, not at start-up.
import { showNotify } from 'vant'
import 'vant/es/notify/style/index'

export function notifyError(message: string): void {
  showNotify({ type: 'danger', message, duration: 4000 })
}

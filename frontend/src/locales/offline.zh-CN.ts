// offline screens, 简体中文.
export default {
  // Filled in by the offline outbox (waiting claims, sync status).
  title: '待发送',
}

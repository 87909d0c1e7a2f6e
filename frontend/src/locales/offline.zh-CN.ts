// offline screens, 简体中文: the offline indicator, the outbox of claims waiting to be sent.
export default {
  title: '待发送',
  indicator: '当前离线，显示的是上次的数据',
  savedAt: '{time} 的数据',
  banner: {
    waiting: '{n} 条申报待发送，联网后自动提交',
    sending: '正在发送 {n} 条申报…',
    failed: '{n} 条申报发送失败，请查看',
    view: '查看',
  },
  list: {
    title: '待发送的申报',
    empty: '没有待发送的申报',
    photos: '{n} 张照片',
    asDraft: '发送后存为草稿',
    waitingNetwork: '等待网络',
    waitingRetry: '等待重试',
    sending: '正在发送 {percent}%',
    failed: '发送失败：{reason}',
    retry: '重试',
    retryAll: '立即重试',
    remove: '删除',
    open: '打开',
    removeConfirm: '删除后这条申报不会再发送，确定删除？',
    close: '关闭',
  },
  queued: '已保存，联网后自动发送',
  // The sign-in expired (not the network): the claim waits for the next sign-in.
  queuedSignedOut: '登录已过期，申报已存在手机上，重新登录后自动发送',
  expired: {
    plain: '登录已过期，请重新登录',
    waiting: '登录已过期，请重新登录。手机上有 {n} 条申报待发送，登录后自动发送',
  },
  sent: '{n} 条待发送的申报已提交',
  signOutConfirm: '还有 {n} 条申报没有发送，退出登录会删除它们。确定退出？',
  signOutAnyway: '仍然退出',
}

// offline screens, English; the same keys as offline.zh-CN.ts.
export default {
  title: 'Waiting to send',
}

// review screens, English; the same keys as review.zh-CN.ts.
export default {
  title: 'Review',
  claim: 'Review claim',
  newEntry: 'Record points',
}

// One member's rating row, shared by the public rating page (扫码评议) and the peer ballot
// (党员互评), with the count under both forms; merged into zh-CN.ts.
export default {
  good: '满意',
  fair: '基本满意',
  poor: '不满意',
  skip: '不了解',
  writeComment: '写意见',
  hideComment: '收起意见',
  commentLabel: '对{name}的意见（选填）',
  commentPlaceholder: '最多 200 字',
  progress: '已评 {rated} / 共 {total} 人',
}

// member screens, 简体中文.
export default {
  // Filled in by the member screens (home, new claim, my claims, ranking).
  title: '我的积分',
  newClaim: '申报积分',
  editClaim: '修改申报',
  claimDetail: '申报详情',
  ranking: '支部亮分',
}

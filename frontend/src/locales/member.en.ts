// member screens, English; the same keys as member.zh-CN.ts.
export default {
  title: 'My points',
  newClaim: 'New claim',
  editClaim: 'Edit claim',
  claimDetail: 'Claim',
  ranking: 'Branch ranking',
}

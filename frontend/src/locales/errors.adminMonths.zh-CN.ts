// Messages for the API error codes the adminMonths screens meet (zh-CN), merged into `errors`.
export default {
  month_not_locked: '该月尚未锁定，无需重新开放',
  zero_points: '调整分值不能为 0',
  points_only_for_adjustments: '只有已锁定月份的调整才能自定分值',
}

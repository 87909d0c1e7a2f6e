// Messages for the API error codes the adminMonths screens meet (en), merged into `errors`.
export default {
  month_not_locked: 'This month is not closed, so there is nothing to reopen',
  zero_points: 'An adjustment of 0 points changes nothing',
  points_only_for_adjustments: 'Only adjustments to a closed month give their own points',
}

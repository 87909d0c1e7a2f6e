// review screens, 简体中文.
export default {
  // Filled in by the reviewer and secretary screens (queue, entries, the month).
  title: '积分审核',
  claim: '审核申报',
  newEntry: '支部记分',
}

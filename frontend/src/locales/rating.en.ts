// One member's rating row, shared by the public rating page and the peer ballot, with the count
// under both forms; merged into en.ts.
export default {
  good: 'Satisfied',
  fair: 'Fairly satisfied',
  poor: 'Dissatisfied',
  skip: 'Don’t know',
  writeComment: 'Write a comment',
  hideComment: 'Hide comment',
  commentLabel: 'Comment on {name} (optional)',
  commentPlaceholder: 'Up to 200 characters',
  progress: 'Rated {rated} of {total}',
}

// Is the person in the middle of typing something? A cheap, page-agnostic check used before
// reloading onto a new version or re-mounting a page: a text field whose value differs from
// the one it was rendered with (Vue sets the `value` property, never the attribute, so any
// typed or bound text counts), or anything a page marks with data-dirty="true".
const SKIPPED = ['hidden', 'checkbox', 'radio', 'button', 'submit', 'reset', 'image']
const FIELDS = [
  `input${SKIPPED.map((type) => `:not([type=${type}])`).join('')}:not([readonly]):not([disabled])`,
  'textarea:not([readonly]):not([disabled])',
].join(', ')

export function isFormDirty(root?: ParentNode | null): boolean {
  root ??= typeof document === 'undefined' ? null : document
  if (!root) return false
  if (root.querySelector('[data-dirty="true"]')) return true
  for (const el of root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(FIELDS)) {
    if (el.type === 'file') {
      if ((el as HTMLInputElement).files?.length) return true
      continue
    }
    if (el.value !== el.defaultValue) return true
  }
  return false
}

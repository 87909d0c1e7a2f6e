// Vant's check boxes and radios take focus but ignore the keyboard: Space (and Enter) on one
// clicks it, as a native control would.
export function clickOnKey(event: KeyboardEvent): void {
  if (event.key !== ' ' && event.key !== 'Enter') return
  const target = event.currentTarget
  if (!(target instanceof HTMLElement)) return
  event.preventDefault()
  target.click()
}

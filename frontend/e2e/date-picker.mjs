// Choosing a date in the app's date field (Vant's date picker: year, month and day wheels).
import assert from 'node:assert/strict'

/**
 * Open the date field named `label`, choose `isoDate` (YYYY-MM-DD) on the wheels and confirm.
 * An option is chosen as a tap on it would; those scrolled out of the wheel's window are tapped
 * through the DOM (a finger would first scroll the wheel).
 */
export async function pickDate(page, label, isoDate) {
  const field = page.getByLabel(label, { exact: true })
  await field.click()
  const dialog = page.getByRole('dialog', { name: `选择${label}` })
  await dialog.waitFor()
  const [year, month, day] = isoDate.split('-').map(Number)
  const columns = dialog.locator('.van-picker-column')
  for (const [index, text] of [
    [0, `${year}年`],
    [1, `${month}月`],
    [2, `${day}日`],
  ]) {
    await columns.nth(index).getByRole('button', { name: text, exact: true }).dispatchEvent('click')
  }
  await dialog.getByRole('button', { name: '确认' }).click()
  await dialog.waitFor({ state: 'hidden' })
  assert.equal(await field.getAttribute('data-value'), isoDate, `${label}: the date chosen`)
}

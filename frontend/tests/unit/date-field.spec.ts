// The date field: Vant's date picker instead of the browser's date input; v-model 'YYYY-MM-DD'.
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, ref } from 'vue'
import { i18n } from '@/locales'
import DateField from '@/components/DateField.vue'
import { clampIsoDate, isIsoDate, isoToDate, pickerStart, pickerToIso } from '@/lib/calendar'

describe('calendar dates', () => {
  it('knows a real date from a malformed or impossible one', () => {
    expect(isIsoDate('2026-12-06')).toBe(true)
    expect(isIsoDate('2028-02-29')).toBe(true)
    expect(isIsoDate('2026-02-30')).toBe(false)
    expect(isIsoDate('12/06/2026')).toBe(false)
    expect(isIsoDate('')).toBe(false)
    expect(isIsoDate(null)).toBe(false)
  })

  it('reads YYYY-MM-DD as that local day, whatever the timezone', () => {
    const date = isoToDate('2026-12-06')
    expect([date.getFullYear(), date.getMonth(), date.getDate()]).toEqual([2026, 11, 6])
  })

  it('keeps a date within its bounds', () => {
    expect(clampIsoDate('2026-10-31', '2026-11-01', '2026-12-06')).toBe('2026-11-01')
    expect(clampIsoDate('2026-12-07', '2026-11-01', '2026-12-06')).toBe('2026-12-06')
    expect(clampIsoDate('2026-11-15', '2026-11-01', '2026-12-06')).toBe('2026-11-15')
    expect(clampIsoDate('2026-11-15')).toBe('2026-11-15')
  })

  it('opens the picker on the field’s date, or on the latest day allowed', () => {
    expect(pickerStart('2026-11-15', '2026-11-01', '2026-12-06')).toEqual(['2026', '11', '15'])
    expect(pickerStart('', '2026-11-01', '2026-12-06')).toEqual(['2026', '12', '06'])
    expect(pickerStart('2025-01-01', '2026-11-01', '2026-12-06')).toEqual(['2026', '11', '01'])
    expect(pickerStart('', null, null, '2026-12-06')).toEqual(['2026', '12', '06'])
    expect(pickerStart('', null, null)).toEqual([])
  })

  it('writes the picker’s values back as YYYY-MM-DD', () => {
    expect(pickerToIso(['2026', '12', '06'])).toBe('2026-12-06')
    expect(pickerToIso([2026, 3, 9])).toBe('2026-03-09')
  })
})

function host(initial: string, bounds: { min?: string; max?: string } = {}) {
  const value = ref(initial)
  const Host = defineComponent({
    setup: () => () =>
      h('div', [
        h('label', { for: 'when' }, '发生日期'),
        h(DateField, {
          id: 'when',
          modelValue: value.value,
          'onUpdate:modelValue': (v: string) => (value.value = v),
          title: '发生日期',
          'data-test': 'when',
          ...bounds,
        }),
      ]),
  })
  const wrapper = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body })
  return { wrapper, value }
}

describe('DateField', () => {
  it('shows the date as the reader writes it, on a button the label names', () => {
    const { wrapper } = host('2026-12-06')
    const button = wrapper.get('button#when')
    expect(button.text()).toContain('2026年12月6日')
    expect(button.attributes('data-value')).toBe('2026-12-06')
    expect(button.attributes('data-test')).toBe('when')
    expect(button.attributes('aria-haspopup')).toBe('dialog')
    expect(wrapper.find('input[type="date"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('says to choose a date when there is none', () => {
    const { wrapper } = host('')
    expect(wrapper.get('button#when').text()).toContain('请选择日期')
    wrapper.unmount()
  })

  it('opens Vant’s date picker within the bounds and sets the date chosen', async () => {
    const { wrapper, value } = host('2026-12-06', { min: '2026-11-01', max: '2026-12-06' })
    await wrapper.get('button#when').trigger('click')
    await flushPromises()
    const dialog = document.body.querySelector('[data-test="date-picker"]')
    expect(dialog).not.toBeNull()
    expect(dialog!.getAttribute('role')).toBe('dialog')
    expect(dialog!.getAttribute('aria-label')).toBe('选择发生日期')
    const columns = dialog!.querySelectorAll('.van-picker-column')
    expect(columns).toHaveLength(3)
    // December of the max year: days 1–6 only; the months are November and December.
    const months = [...columns[1].querySelectorAll('.van-picker-column__item')].map((li) => li.textContent)
    expect(months).toEqual(['11月', '12月'])
    const days = [...columns[2].querySelectorAll('.van-picker-column__item')].map((li) => li.textContent)
    expect(days).toEqual(['1日', '2日', '3日', '4日', '5日', '6日'])
    ;(columns[2].querySelectorAll('.van-picker-column__item')[2] as HTMLElement).click()
    await flushPromises()
    ;(dialog!.querySelector('.van-picker__confirm') as HTMLElement).click()
    await flushPromises()
    expect(value.value).toBe('2026-12-03')
    expect(wrapper.get('button#when').text()).toContain('2026年12月3日')
    wrapper.unmount()
  })

  it('leaves the date as it was when cancelled', async () => {
    const { wrapper, value } = host('2026-12-06', { min: '2026-11-01', max: '2026-12-06' })
    await wrapper.get('button#when').trigger('click')
    await flushPromises()
    const dialog = document.body.querySelector('[data-test="date-picker"]')!
    ;(dialog.querySelectorAll('.van-picker-column')[2].querySelector('.van-picker-column__item') as HTMLElement).click()
    ;(dialog.querySelector('.van-picker__cancel') as HTMLElement).click()
    await flushPromises()
    expect(value.value).toBe('2026-12-06')
    wrapper.unmount()
  })
})

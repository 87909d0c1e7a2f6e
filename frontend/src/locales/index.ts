// vue-i18n setup: zh-CN by default, English on request; the choice is remembered per device.
import { createI18n } from 'vue-i18n'
import { Locale } from 'vant/es/locale'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import zhCN from './zh-CN'

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> }
export type MessageSchema = DeepStrings<typeof zhCN>

export const SUPPORTED_LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = (typeof SUPPORTED_LOCALES)[number]
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'
const STORAGE_KEY = 'vanguard.locale'

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value)
}

export function savedLocale(): AppLocale {
  try {
    const value = localStorage.getItem(STORAGE_KEY)
    return isAppLocale(value) ? value : DEFAULT_LOCALE
  } catch {
    return DEFAULT_LOCALE
  }
}

// Only the default language is in the first download; English is fetched when chosen (see
// setLocale, which main.ts awaits before the first render when English was saved).
export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN } as Record<AppLocale, MessageSchema>,
})

/** Switch the UI language (and Vant's own texts), remembering the choice. */
export async function setLocale(locale: AppLocale): Promise<void> {
  if (locale === 'en') {
    const [{ default: enUS }, { default: en }] = await Promise.all([
      import('vant/es/locale/lang/en-US'),
      import('./en'),
    ])
    if (!i18n.global.availableLocales.includes('en')) i18n.global.setLocaleMessage('en', en)
    Locale.use('en-US', enUS)
  } else {
    Locale.use('zh-CN', vantZhCN)
  }
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // Private mode: the choice lasts for this visit only.
  }
}

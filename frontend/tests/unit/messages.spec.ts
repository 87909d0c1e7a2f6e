// API errors become sentences: known codes translated, unknown ones show the server's detail.
import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/http'
import { errorMessage } from '@/api/messages'
import { i18n } from '@/locales'

const t = i18n.global.t as (key: string, params?: Record<string, unknown>) => string
const err = (init: Partial<ConstructorParameters<typeof ApiError>[0]>) =>
  new ApiError({ status: 400, code: 'x', title: 'Bad Request', ...init })

describe('errorMessage (zh-CN)', () => {
  it('maps the sign-in codes', () => {
    expect(errorMessage(err({ status: 401, code: 'invalid_credentials' }), t)).toBe('用户名或密码错误')
    expect(errorMessage(err({ status: 403, code: 'account_inactive' }), t)).toContain('停用')
    expect(errorMessage(err({ status: 429, code: 'too_many_attempts', retryAfter: 42 }), t)).toBe(
      '尝试次数过多，请在 42 秒后重试',
    )
    // A lock of minutes is said in minutes, not as 900 秒.
    expect(errorMessage(err({ status: 429, code: 'too_many_attempts', retryAfter: 900 }), t)).toBe(
      '尝试次数过多，请在 15 分钟后重试',
    )
    expect(errorMessage(err({ status: 429, code: 'too_many_attempts', retryAfter: 61 }), t)).toBe(
      '尝试次数过多，请在 2 分钟后重试',
    )
    expect(errorMessage(err({ status: 429, code: 'too_many_attempts' }), t)).toBe('尝试次数过多，请稍后重试')
  })

  it("shows an unknown code's detail", () => {
    expect(errorMessage(err({ code: 'some_future_code', detail: '本月已锁定' }), t)).toBe('本月已锁定')
  })

  it('falls back on the status', () => {
    expect(errorMessage(err({ status: 503, code: 'http_503', title: 'Service Unavailable' }), t)).toBe(
      '服务器开小差了，请稍后重试',
    )
    expect(errorMessage(err({ status: 404, code: 'http_404', title: 'Not Found' }), t)).toBe('要找的内容不存在')
    expect(errorMessage(err({ status: 0, code: 'network_error', title: 'Network' }), t)).toContain('网络')
  })
})

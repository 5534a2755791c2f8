// ESM entry of dfns-mock-playwright: the same objects as the CommonJS entry.
import kit from './index.cjs'

export const { test, expect, dfnsMockServer } = kit

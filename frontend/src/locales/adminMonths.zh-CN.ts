// adminMonths screens' texts (zh-CN); its error codes' messages are in errors.adminMonths.zh-CN.ts.
export default {}

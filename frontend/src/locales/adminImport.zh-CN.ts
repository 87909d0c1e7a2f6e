// adminImport screens' texts (zh-CN); its error codes' messages are in errors.adminImport.zh-CN.ts.
export default {}

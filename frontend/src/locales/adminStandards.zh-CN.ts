// adminStandards screens' texts (zh-CN); its error codes' messages are in errors.adminStandards.zh-CN.ts.
export default {}

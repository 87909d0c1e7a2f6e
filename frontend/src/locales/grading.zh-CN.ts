// grading screens' texts (zh-CN); its error codes' messages are in errors.grading.zh-CN.ts.
export default {}

// adminPeople screens' texts (zh-CN); its error codes' messages are in errors.adminPeople.zh-CN.ts.
export default {}

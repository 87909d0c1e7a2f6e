// adminMonths screens' texts (en); its error codes' messages are in errors.adminMonths.en.ts.
export default {}

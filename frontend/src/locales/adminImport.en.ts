// adminImport screens' texts (en); its error codes' messages are in errors.adminImport.en.ts.
export default {}

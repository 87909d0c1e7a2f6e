// adminStandards screens' texts (en); its error codes' messages are in errors.adminStandards.en.ts.
export default {}

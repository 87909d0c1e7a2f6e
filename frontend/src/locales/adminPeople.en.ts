// adminPeople screens' texts (en); its error codes' messages are in errors.adminPeople.en.ts.
export default {}

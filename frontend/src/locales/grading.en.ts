// grading screens' texts (en); its error codes' messages are in errors.grading.en.ts.
export default {}

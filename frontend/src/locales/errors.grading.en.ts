// Messages for the API error codes the grading screens meet (en), merged into `errors`.
export default {}

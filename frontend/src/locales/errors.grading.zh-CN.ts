// Messages for the API error codes the grading screens meet (zh-CN), merged into `errors`.
export default {}

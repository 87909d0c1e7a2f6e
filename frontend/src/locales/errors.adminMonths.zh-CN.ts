// Messages for the API error codes the adminMonths screens meet (zh-CN), merged into `errors`.
export default {}

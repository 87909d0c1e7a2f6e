// Messages for the API error codes the adminImport screens meet (zh-CN), merged into `errors`.
export default {}

// Messages for the API error codes the adminStandards screens meet (zh-CN), merged into `errors`.
export default {}

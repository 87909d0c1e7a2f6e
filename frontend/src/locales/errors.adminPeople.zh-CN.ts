// Messages for the API error codes the adminPeople screens meet (zh-CN), merged into `errors`.
export default {}

// Messages for the API error codes the adminImport screens meet (en), merged into `errors`.
export default {}

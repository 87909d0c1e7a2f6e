// Messages for the API error codes the adminStandards screens meet (en), merged into `errors`.
export default {}

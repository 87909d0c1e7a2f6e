// Messages for the API error codes the adminMonths screens meet (en), merged into `errors`.
export default {}

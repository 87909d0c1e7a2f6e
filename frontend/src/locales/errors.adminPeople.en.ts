// Messages for the API error codes the adminPeople screens meet (en), merged into `errors`.
export default {}

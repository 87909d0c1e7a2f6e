// Messages for the API error codes the adminStandards screens meet (zh-CN), merged into `errors`.
export default {
  standard_published: '该版本已发布，只读，不能再修改。如需修改，请复制为新的草稿。',
  standard_invalid: '该版本还有错误，请先按检查结果改正后再发布。',
  standard_already_published: '同一组织在该年度已发布了一个版本，不能再发布第二个。',
  standard_not_found: '找不到该版本的积分标准。',
  item_code_taken: '这个编号已被本标准的其他项目使用。',
  item_invalid: '项目设置不成立：扣分项目必须属于“反向扣分”，且只有扣分项目可以设置定级上限。',
  item_not_found: '该项目已不在本标准中。',
  field_required: '有必填内容为空。',
}

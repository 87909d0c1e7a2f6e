// Messages for the API error codes the adminImport screens meet (zh-CN), merged into `errors`.
export default {
  unsupported_file: '文件格式不对：请上传 .xlsx（Excel 2007 及以上）或 .csv 文件',
  bad_encoding: 'CSV 文件的编码无法识别：请在 Excel 中“另存为 CSV UTF-8”后再上传',
  unreadable_file: '文件无法读取，可能已损坏：请用 Excel 打开后重新保存再上传',
  missing_columns: '缺少必填列：请使用模板，表头需有 姓名、手机号、所在支部、党员类别、入党日期',
  empty_file: '表格里没有党员数据',
  too_many_rows: '一次最多导入 30000 行，请分成几个表上传',
  import_not_found: '找不到这次导入（只有上传者本人可以查看）',
  import_not_dry_run: '这次导入已经执行过或正在执行',
  import_not_applied: '导入完成后才能下载激活码',
  credentials_gone: '激活码表已经下载过，不能再次下载',
  activation_invalid: '手机号或激活码不正确，或激活码已使用、已过期。请联系支部书记',
  invalid_cursor: '列表已过期，请刷新',
}

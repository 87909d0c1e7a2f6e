// Messages for the API error codes the adminImport screens meet (en), merged into `errors`.
export default {
  unsupported_file: 'Unsupported file: upload an .xlsx (Excel 2007 or later) or .csv file',
  bad_encoding: 'The CSV’s encoding is not recognised: save it from Excel as “CSV UTF-8” and upload again',
  unreadable_file: 'The file cannot be read and may be damaged: open it in Excel, save it again and retry',
  missing_columns: 'Required columns are missing: use the template (姓名, 手机号, 所在支部, 党员类别, 入党日期)',
  empty_file: 'The sheet holds no member rows',
  too_many_rows: 'At most 30,000 rows per import: split the sheet',
  import_not_found: 'No such import (only the person who uploaded it can see it)',
  import_not_dry_run: 'This import has been applied already or is being applied',
  import_not_applied: 'The codes are available once the import has been applied',
  credentials_gone: 'The activation code sheet was downloaded already',
  activation_invalid: 'The phone number or code is wrong, or the code was used or has expired. Ask your branch secretary',
  invalid_cursor: 'The list is out of date; refresh it',
}

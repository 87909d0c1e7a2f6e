// Messages for the API error codes the adminStandards screens meet (en), merged into `errors`.
export default {
  standard_published: 'This version is published and read-only. Copy it into a new draft to change it.',
  standard_invalid: 'This version still has errors. Fix them as the check lists them, then publish.',
  standard_already_published: 'A version is already published for this organisation and year; a second one cannot be.',
  standard_not_found: 'This version of the standard does not exist.',
  item_code_taken: 'Another item of this standard already uses that code.',
  item_invalid:
    'The item does not hold together: deduction items belong to “Deductions”, and only deductions carry a grade ceiling.',
  item_not_found: 'This item is no longer in the standard.',
  field_required: 'A required field is empty.',
}

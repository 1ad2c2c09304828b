"""Printed records and letters (reportlab, pyHanko), from the same form templates as the screen.

Import what you need from its module; this package imports nothing, so importing
lcc_apr.pdf.export or .check stays light (reportlab and pyHanko load only when a PDF
is made):

- document: `record_document` reads what a record's PDF says into a `RecordDocument`
- render: `render_record`, `render_record_layout`, `SIGNATURE_BOXES` (A4, fonts embedded)
- records: `print_record`, a record's finished, signed PDF
- letters, letter_templates, letter_values, printed_letters: letters to the employee
  (wording in resources/letters/*.toml, docs/letters.md)
- pages: fonts and page furniture; sign: PAdES signatures (`PdfSigner`); check: `check_pdf`
- export: HR's batch export
"""

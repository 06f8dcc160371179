"""Report builders and their templates: the concept's indicators as a workbook, the annual
analytical report (DOCX from a docxtpl template and an XLSX workbook), themes of free answers,
the command line. No aiogram here; heavy libraries are imported where a file is made."""

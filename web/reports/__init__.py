"""Weekly and monthly reports (通报): the figures, then the same report as a page, DOCX and XLSX."""

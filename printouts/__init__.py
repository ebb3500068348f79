"""Paper versions of forms: printable PDFs with tick boxes, write-in boxes and routing in words.

Needs only forms/ and reportlab. render_paper_form() makes the PDF;
skip_instructions() gives the routing instructions it prints, in words.
"""

from .errors import PrintoutError
from .paper import render_paper_form, skip_instructions

__all__ = ["PrintoutError", "render_paper_form", "skip_instructions"]

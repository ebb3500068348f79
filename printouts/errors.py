"""The one error the printouts package raises, so callers can catch it at the edge.

It is a ValueError because every cause is a bad argument: a language the form
lacks, bilingual printing of a form without Welsh and English, a repeated serial.
"""


class PrintoutError(ValueError):
    """A paper form that cannot be printed as asked; the message says why and what to do."""

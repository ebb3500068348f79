"""Problems found in a form, gathered so a volunteer can fix them all in one pass."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form file, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    message: str
    question: str | None = None
    suggestion: str | None = None

    @property
    def where(self):
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    @property
    def text(self):
        """The message with its question and suggestion, without the location."""
        text = self.message
        if self.question:
            text = f"question '{self.question}': {text}"
        if self.suggestion:
            text += f" Did you mean '{self.suggestion}'?"
        return text

    def __str__(self):
        return f"{self.where}: {self.text}"


class FormError(Exception):
    """Every problem found in one form file; raised only after the whole file is read."""

    def __init__(self, problems):
        self.problems = tuple(
            sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0))
        )
        super().__init__("\n".join(str(p) for p in self.problems))

"""The tiny package's work-item kind."""

from kulisser.worklist.kinds import KindSpec, register

TINY = register(KindSpec(code="tests-tiny", label="Litet ärende", label_plural="Små ärenden"))

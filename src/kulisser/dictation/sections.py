"""The recognizer's draft placed under the note's headings, where the clinician said them.

Clinicians dictate the headings aloud ("Anamnes. Patienten söker för ..."). The editor opens
with the note type's headings; text dictated after a spoken heading goes under it, text
before any spoken heading under the first heading. Headings are taken in the note's order,
each once; one said again out of order stays in the text for the secretary to judge. A draft
without spoken headings goes whole under the first heading, so that the secretary moves
sentences rather than retypes them.
"""

from __future__ import annotations

import re


def _spoken(heading: str) -> re.Pattern[str]:
    # A heading said as a sentence of its own: at the start of the draft or of a sentence, and
    # followed by the recognizer's punctuation ("Anamnes." "Status:" "Bedömning,"). The same
    # word inside a sentence ("patientens status är ...") is text, not a heading.
    words = r"\s+".join(re.escape(w) for w in heading.split())
    return re.compile(rf"(?:^|(?<=[.!?:;])\s+){words}\s*(?:[.:,;!]|$)", re.IGNORECASE)


def place_draft(headings: list[str], draft: str) -> str:
    """The note to start from: each heading with the draft's text that belongs under it."""
    draft = draft.strip()
    if not headings:
        return draft + "\n" if draft else ""
    found: list[tuple[int, int, int]] = []  # (start, end, heading index)
    for index, heading in enumerate(headings):
        match = _spoken(heading).search(draft)
        if match:
            found.append((match.start(), match.end(), index))
    found.sort()
    # In the note's order, each once (see the module's docstring).
    kept: list[tuple[int, int, int]] = []
    for start, end, index in found:
        if not kept or (index > kept[-1][2] and start >= kept[-1][1]):
            kept.append((start, end, index))
    body: dict[int, list[str]] = {i: [] for i in range(len(headings))}
    lead = draft[:kept[0][0]] if kept else draft
    if lead.strip():
        body[0].append(lead.strip())
    for n, (_start, end, index) in enumerate(kept):
        stop = kept[n + 1][0] if n + 1 < len(kept) else len(draft)
        text = draft[end:stop].strip()
        if text:
            body[index].append(text[:1].upper() + text[1:])
    parts = []
    for index, heading in enumerate(headings):
        parts.append(f"{heading}:" + ("\n" + "\n".join(body[index]) if body[index] else ""))
    return "\n\n".join(parts) + "\n"

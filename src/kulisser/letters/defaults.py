"""The default Swedish texts of each kind of letter; a unit may replace them with its own."""

from __future__ import annotations

from kulisser.i18n import N_, _
from kulisser.letters.states import LetterKind

_VISIT_LINES = N_("""Tid: {{ besok_datum }} kl. {{ besok_tid }}
{% if besok_typ %}
Besök: {{ besok_typ }}
{% endif %}
{% if vardgivare %}
Du träffar: {{ vardgivare }}
{% endif %}
{% if plats %}
Plats: {{ plats }}
{% endif %}
{% if besok_meddelande %}

{{ besok_meddelande }}
{% endif %}""")

_BRING = N_("""Ta med giltig legitimation. Kom gärna tio minuter före din tid och anmäl dig i \
receptionen.

Om du inte kan komma, hör av dig till oss på {{ enhet_telefon }} så snart som möjligt, så kan \
tiden gå till någon annan. Ett besök som uteblir utan att du har avbokat debiteras enligt \
regionens avgiftsregler.""")

_GREETING = N_("""Med vänliga hälsningar
{{ enhet_namn }}""")

# Subject and body of each kind: str.format templates (Jinja's braces doubled) around the shared
# paragraphs, so that each paragraph is translated once.
_SOURCES: dict[LetterKind, tuple[str, str]] = {
    LetterKind.CALLING: (N_("Kallelse till besök"), N_("""Hej {{{{ fornamn }}}}!

Du är välkommen till {{{{ enhet_namn }}}}.

{visit_lines}

{bring}

{greeting}""")),
    LetterKind.REBOOKING: (N_("Din tid är ombokad"), N_("""Hej {{{{ fornamn }}}}!

Din tid hos {{{{ enhet_namn }}}} har bokats om. Den tidigare tiden, {{{{ tidigare_datum }}}} \
kl. {{{{ tidigare_tid }}}}, gäller inte längre.

Din nya tid:
{visit_lines}

{bring}

{greeting}""")),
    LetterKind.CANCELLATION: (N_("Din tid är avbokad"), N_("""Hej {{{{ fornamn }}}}!

Din tid hos {{{{ enhet_namn }}}} {{{{ besok_datum }}}} kl. {{{{ besok_tid }}}} är avbokad.
{{% if orsak %}}
Orsak: {{{{ orsak }}}}
{{% endif %}}

Har du frågor, eller vill du boka en ny tid, ring oss på {{{{ enhet_telefon }}}}.

{greeting}""")),
    LetterKind.RESULT: (N_("Svar på {{ undersokning }}"), N_("""Hej {{{{ fornamn }}}}!

Här kommer svaret på {{{{ undersokning }}}}.

{{{{ meddelande }}}}

Har du frågor om svaret är du välkommen att ringa oss på {{{{ enhet_telefon }}}}.

{greeting}
{{{{ avsandare }}}}""")),
    LetterKind.REFERRAL_REPLY: (N_("Remissvar"), N_("""Remissvar till {{{{ mottagare }}}}

Angående {{{{ patient_namn }}}}, {{{{ personnummer }}}}, remiss daterad {{{{ remiss_datum }}}}.

{{{{ meddelande }}}}

Med vänliga hälsningar
{{{{ avsandare }}}}
{{{{ enhet_namn }}}}, telefon {{{{ enhet_telefon }}}}""")),
    LetterKind.RECORD_DECISION: (N_("Beslut om utlämnande av journalhandlingar"), N_("""Beslut

Till {{{{ mottagare }}}}

Gäller {{{{ patient_namn }}}}, {{{{ personnummer }}}}: begäran om kopia av journalhandlingar som \
kom in {{{{ mottagen_datum }}}} ({{{{ omfattning }}}}).

{{{{ beslut }}}}

Skäl
{{{{ skal }}}}

Hur man överklagar
Beslutet kan överklagas till kammarrätten. Skriv till {{{{ enhet_namn }}}}, \
{{{{ enhet_adress }}}}. Skrivelsen ska ha kommit in inom tre veckor från den dag du fick del \
av beslutet. Skriv vilket beslut du överklagar och vilken ändring du vill ha. Vi prövar först \
om beslutet ska ändras och skickar annars överklagandet vidare till kammarrätten.

Beslutet har fattats av {{{{ beslutsfattare }}}}.

{greeting}""")),
    LetterKind.RECORD_COPY: (N_("Kopia av journalhandlingar"), N_("""Hej {{{{ mottagare }}}}!

Här är kopian av journalhandlingar som du begärde {{{{ mottagen_datum }}}}, för \
{{{{ patient_namn }}}}, {{{{ personnummer }}}}.

Omfattning: {{{{ omfattning }}}}
Antal sidor: {{{{ sidor }}}}
Avgift: {{{{ avgift }}}}
{{% if delbeslut %}}

{{{{ delbeslut }}}}
{{% endif %}}

Har du frågor är du välkommen att ringa oss på {{{{ enhet_telefon }}}}.

{greeting}""")),
}


# The Swedish source texts, untranslated (what default_text gives before any translation).
DEFAULTS: dict[LetterKind, tuple[str, str]] = {
    kind: (subject, body.format(visit_lines=_VISIT_LINES, bring=_BRING, greeting=_GREETING))
    for kind, (subject, body) in _SOURCES.items()}


def default_text(kind: LetterKind) -> tuple[str, str]:
    """The default (subject, body) of a kind of letter, translated."""
    subject, body = _SOURCES[kind]
    return _(subject), _(body, visit_lines=_(_VISIT_LINES), bring=_(_BRING), greeting=_(_GREETING))

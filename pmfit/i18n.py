"""The interface's own words, in English and Spanish. Bank texts carry their own."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "recommendation": {"en": "Recommendation", "es": "Recomendación"},
    "rec.B2B": {"en": "B2B", "es": "B2B"},
    "rec.B2C": {"en": "B2C", "es": "B2C"},
    "rec.either": {"en": "Either: both fit you", "es": "Cualquiera: ambos te encajan"},
    "rec.insufficient": {
        "en": "Not enough answers to say",
        "es": "No hay respuestas suficientes para decirlo",
    },
    "score": {"en": "Score", "es": "Puntuación"},
    "interval": {"en": "90% interval", "es": "Intervalo del 90 %"},
    "confidence": {"en": "Confidence", "es": "Confianza"},
    "lean.none": {"en": "no clear lean", "es": "sin inclinación clara"},
    "lean.mild": {"en": "mild {side} lean", "es": "ligera inclinación {side}"},
    "lean.clear": {"en": "clear {side} lean", "es": "clara inclinación {side}"},
    "lean.strong": {"en": "strong {side} lean", "es": "fuerte inclinación {side}"},
    "conf.very": {"en": "very confident", "es": "con mucha confianza"},
    "conf.fairly": {"en": "fairly confident", "es": "con bastante confianza"},
    "conf.somewhat": {"en": "somewhat confident", "es": "con algo de confianza"},
    "conf.low": {"en": "not confident", "es": "con poca confianza"},
    "dimensions": {"en": "By dimension", "es": "Por dimensión"},
    "dimension": {"en": "Dimension", "es": "Dimensión"},
    "answered": {"en": "answered", "es": "respondidas"},
    "why": {"en": "Why", "es": "Por qué"},
    "said_by": {"en": "answer {n}, {role}", "es": "respuesta {n}, {role}"},
    "you_chose": {"en": "You chose: {label}", "es": "Elegiste: {label}"},
    "flip": {"en": "What would change it", "es": "Qué lo cambiaría"},
    "flip.item": {
        "en": "{prompt} \u2014 \u201c{to}\u201d instead of \u201c{from}\u201d",
        "es": "{prompt} \u2014 \u00ab{to}\u00bb en lugar de \u00ab{from}\u00bb",
    },
    "flip.none": {
        "en": "No change of answers would change this result.",
        "es": "Ningún cambio de respuestas cambiaría este resultado.",
    },
    "flip.insufficient": {
        "en": "Answer more questions: at least half the dimensions need an answer.",
        "es": "Responde más preguntas: al menos la mitad de las dimensiones necesitan "
        "una respuesta.",
    },
    "skipped": {"en": "(skipped)", "es": "(omitida)"},
    "flags": {"en": "About your answers", "es": "Sobre tus respuestas"},
    "flag.straight_lining": {
        "en": "You chose the same option position for every question; the result may say more "
        "about the order of the options than about you.",
        "es": "Elegiste la misma posición en todas las preguntas; el resultado puede reflejar el "
        "orden de las opciones más que tus preferencias.",
    },
    "flag.contradiction": {
        "en": "Two questions that ask the same thing from opposite sides got opposite "
        "answers: {questions}.",
        "es": "Dos preguntas que preguntan lo mismo desde lados opuestos recibieron respuestas "
        "opuestas: {questions}.",
    },
    "flag.many_skips": {
        "en": "You skipped {count} of {total} questions; the result rests on fewer answers.",
        "es": "Omitiste {count} de {total} preguntas; el resultado se basa en menos respuestas.",
    },
}


def t(key: str, lang: str, **values: object) -> str:
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text

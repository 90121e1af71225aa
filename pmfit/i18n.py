"""The interface's own words, in English and Spanish. Bank texts carry their own."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "recommendation": {"en": "Recommendation", "es": "Recomendación"},
    "rec.B2B": {"en": "B2B", "es": "B2B"},
    "rec.B2C": {"en": "B2C", "es": "B2C"},
    "rec.either": {"en": "Either: both fit you", "es": "Cualquiera: ambos te encajan"},
    "rec.too_close": {"en": "Too close to call", "es": "Demasiado igualado para decidir"},
    # Each outcome in words: what the recommendation claims.
    "rec.explain.side": {
        "en": "Your answers place you on the {side} side: {p} likely that your full answers, "
        "without second thoughts, would come out {side}.",
        "es": "Tus respuestas te sitúan del lado {side}: {p} de probabilidad de que tus "
        "respuestas completas, sin dudas de última hora, salgan {side}.",
    },
    "rec.explain.either": {
        "en": "Your answers are balanced: both kinds of job fit you ({p} likely).",
        "es": "Tus respuestas están equilibradas: te encajan los dos tipos de trabajo "
        "({p} de probabilidad).",
    },
    "rec.explain.too_close": {
        "en": "You have answered enough, but your answers do not decide: {first} {p1}, "
        "{second} {p2}. More answers may settle it.",
        "es": "Has respondido lo suficiente, pero tus respuestas no deciden: {first} {p1}, "
        "{second} {p2}. Más respuestas pueden decidirlo.",
    },
    "rec.insufficient": {
        "en": "Not enough answers to say",
        "es": "No hay respuestas suficientes para decirlo",
    },
    "score": {"en": "Score", "es": "Puntuación"},
    "interval": {"en": "90% interval", "es": "Intervalo del 90 %"},
    "confidence": {"en": "Confidence", "es": "Confianza"},
    "lean.toward": {"en": "leaning {side} ({p})", "es": "inclinado a {side} ({p})"},
    "lean.none": {"en": "no clear lean", "es": "sin inclinación clara"},
    "lean.mild": {"en": "mild {side} lean", "es": "ligera inclinación {side}"},
    "lean.clear": {"en": "clear {side} lean", "es": "clara inclinación {side}"},
    "lean.strong": {"en": "strong {side} lean", "es": "fuerte inclinación {side}"},
    "conf.very": {"en": "very confident", "es": "con mucha confianza"},
    "conf.fairly": {"en": "fairly confident", "es": "con bastante confianza"},
    "conf.somewhat": {"en": "somewhat confident", "es": "con algo de confianza"},
    "conf.low": {"en": "not confident", "es": "con poca confianza"},
    "conf.at_most": {"en": "at most {figure}", "es": "como mucho {figure}"},
    "dimensions": {"en": "By dimension", "es": "Por dimensión"},
    "dimension": {"en": "Dimension", "es": "Dimensión"},
    "answered": {"en": "answered", "es": "respondidas"},
    "why": {"en": "Why", "es": "Por qué"},
    "why.both": {
        "en": "Why: your strongest reasons on each side",
        "es": "Por qué: tus razones más fuertes de cada lado",
    },
    "why.toward": {"en": "which points to {side}", "es": "que apunta a {side}"},
    "said_by": {"en": "answer {n}, {role}", "es": "respuesta {n}, {role}"},
    "why.item": {
        "en": "You chose \u201c{label}\u201d ({dimension})",
        "es": "Elegiste \u00ab{label}\u00bb ({dimension})",
    },
    "flip": {"en": "What would change it", "es": "Qué lo cambiaría"},
    "flip.to": {"en": "What would make it {to}", "es": "Qué haría que fuera {to}"},
    # A recommendation inside a sentence ("change it to ..."); B2B and B2C read as they are.
    "outcome.either": {
        "en": "\u201ceither\u201d (both fit)",
        "es": "\u00abcualquiera\u00bb (ambos encajan)",
    },
    "outcome.insufficient": {
        "en": "\u201cnot enough answers\u201d",
        "es": "\u00abno hay respuestas suficientes\u00bb",
    },
    "outcome.too_close": {
        "en": "\u201ctoo close to call\u201d",
        "es": "\u00abdemasiado igualado para decidir\u00bb",
    },
    "flip.item": {
        "en": "{prompt} \u2014 \u201c{to}\u201d instead of \u201c{from}\u201d",
        "es": "{prompt} \u2014 \u00ab{to}\u00bb en lugar de \u00ab{from}\u00bb",
    },
    "flip.none": {
        "en": "No change of answers would change this result.",
        "es": "Ningún cambio de respuestas cambiaría este resultado.",
    },
    "flip.insufficient": {
        "en": "Answer more questions: they need to settle at least {share} of the score.",
        "es": "Responde más preguntas: tienen que decidir al menos el {share} de la puntuación.",
    },
    "skipped": {"en": "(skipped)", "es": "(omitida)"},
    "flags": {"en": "About your answers", "es": "Sobre tus respuestas"},
    "flag.straight_lining": {
        "en": "You chose the same option position for every question; the result may say more "
        "about the order of the options than about you.",
        "es": "Elegiste la misma posición en todas las preguntas; el resultado puede reflejar el "
        "orden de las opciones más que tus preferencias.",
    },
    "flag.misfit": {
        "en": "Your answers fit random choice ten times better than a consistent preference; "
        "the result may say little about you.",
        "es": "Tus respuestas encajan diez veces mejor con una elección al azar que con una "
        "preferencia coherente; el resultado puede decir poco de ti.",
    },
    "flag.many_skips": {
        "en": "You skipped {count} of {total} questions; the result rests on fewer answers.",
        "es": "Omitiste {count} de {total} preguntas; el resultado se basa en menos respuestas.",
    },
    # The result, in plain words and in plain mode.
    "interval.words": {
        "en": "the full quiz likely between {low:+.0f} and {high:+.0f}",
        "es": "el cuestionario completo probablemente entre {low:+.0f} y {high:+.0f}",
    },
    "score.scale.undecided": {
        "en": "Score {score:+.0f} on a scale from -100 (B2B) to +100 (B2C); {interval}.",
        "es": "Puntuación {score:+.0f} en una escala de -100 (B2B) a +100 (B2C); {interval}.",
    },
    "score.scale": {
        "en": "Score {score:+.0f} on a scale from -100 (B2B) to +100 (B2C); {interval}; "
        "confidence {confidence}.",
        "es": "Puntuación {score:+.0f} en una escala de -100 (B2B) a +100 (B2C); {interval}; "
        "confianza {confidence}.",
    },
    "dim.line": {
        "en": "{name}: {score:+.0f}, {side} ({answered} of {questions} answered)",
        "es": "{name}: {score:+.0f}, {side} ({answered} de {questions} respondidas)",
    },
    "dim.none": {
        "en": "{name}: not answered (0 of {questions})",
        "es": "{name}: sin respuesta (0 de {questions})",
    },
    "dim.leans": {"en": "leans {side}", "es": "se inclina a {side}"},
    "dim.even": {"en": "even", "es": "equilibrado"},
    # The quiz.
    "quiz.intro": {
        "en": "pmfit suggests whether B2B or B2C product management fits you better, and "
        "shows you why. Its questions come from {people} product managers' answers to "
        "\u201c{thread}\u201d",
        "es": "pmfit te sugiere si te encaja mejor la gestión de producto B2B o la B2C, y te "
        "muestra por qué. Sus preguntas salen de las respuestas de {people} product managers a "
        "\u00ab{thread}\u00bb",
    },
    "quiz.length": {
        "en": "{count} questions, {duration}.",
        "es": "{count} preguntas, {duration}.",
    },
    "quiz.length.short_hint": {
        "en": "In a hurry? pmfit quiz --short asks {count} of them ({duration}).",
        "es": "¿Con prisa? pmfit quiz --short hace {count} de ellas ({duration}).",
    },
    "quiz.length.adaptive": {
        "en": "At most {count} questions ({duration}): it stops as soon as the "
        "rest could no longer change your result.",
        "es": "Como mucho {count} preguntas ({duration}): se detiene en cuanto el "
        "resto ya no pueda cambiar tu resultado.",
    },
    "quiz.keys": {
        "en": "Type a number and press Enter to answer. Other keys, each followed by Enter: "
        "b back, s skip, ? why this question, q save and quit, h help.",
        "es": "Escribe un número y presiona Enter para responder. Otras teclas, seguidas de Enter: "
        "b atrás, s saltar, ? por qué esta pregunta, q guardar y salir, h ayuda.",
    },
    "quiz.saved_note": {
        "en": "Your progress is saved after every answer.",
        "es": "Tu progreso se guarda después de cada respuesta.",
    },
    "quiz.progress": {
        "en": "Question {n} of {total}",
        "es": "Pregunta {n} de {total}",
    },
    "quiz.progress.adaptive": {
        "en": "Question {n} (at most {total})",
        "es": "Pregunta {n} (como mucho {total})",
    },
    "quiz.previous": {
        "en": "Your earlier answer: {n}. Press Enter to keep it, or type another number.",
        "es": "Tu respuesta anterior: {n}. Presiona Enter para mantenerla o escribe otro número.",
    },
    "quiz.previous.skipped": {
        "en": "You skipped this one. Press Enter to keep it skipped, or type a number.",
        "es": "Saltaste esta pregunta. Presiona Enter para dejarla sin responder o escribe un "
        "número.",
    },
    "quiz.ask": {
        "en": "Your answer (1-{last}, b, s, ?, q): ",
        "es": "Tu respuesta (1-{last}, b, s, ?, q): ",
    },
    "quiz.hint": {
        "en": "\u201c{typed}\u201d is not an answer here. Type a number from 1 to {last}, "
        "or b back, s skip, ? why, q save and quit.",
        "es": "\u00ab{typed}\u00bb no es una respuesta válida. Escribe un número del 1 al {last}, "
        "o b atrás, s saltar, ? por qué, q guardar y salir.",
    },
    "quiz.hint.blank": {
        "en": "Type a number from 1 to {last} and press Enter (s skips this question).",
        "es": "Escribe un número del 1 al {last} y presiona Enter (s salta esta pregunta).",
    },
    "quiz.first": {
        "en": "This is the first question: there is nothing before it.",
        "es": "Esta es la primera pregunta: no hay nada antes.",
    },
    "quiz.why": {"en": "Why this question", "es": "Por qué esta pregunta"},
    "quiz.why.thread": {
        "en": "What the product managers said (Spanish original, then English):",
        "es": "Lo que dijeron los product managers (original en español y traducción al inglés):",
    },
    "quiz.chosen": {"en": "your answer", "es": "tu respuesta"},
    "quiz.skipped": {"en": "Skipped.", "es": "Pregunta saltada."},
    "quiz.saved": {
        "en": "Saved. To carry on where you left off, run: {command}",
        "es": "Guardado. Para seguir donde lo dejaste, ejecuta: {command}",
    },
    "quiz.interrupted": {
        "en": "Interrupted. Your answers are saved; to carry on, run: {command}",
        "es": "Interrumpido. Tus respuestas están guardadas; para seguir, ejecuta: {command}",
    },
    "quiz.resume": {
        "en": "You have an unfinished quiz: {answered} of {total} questions done, saved {when}.",
        "es": "Tienes un cuestionario sin terminar: {answered} de {total} preguntas hechas, "
        "guardado el {when}.",
    },
    "quiz.resume.ask": {
        "en": "Press Enter to resume, r to start over, or q to quit: ",
        "es": "Presiona Enter para continuar, r para empezar de nuevo o q para salir: ",
    },
    "quiz.resume.hint": {
        "en": "Press Enter to resume, type r to start over, or q to quit.",
        "es": "Presiona Enter para continuar, escribe r para empezar de nuevo o q para salir.",
    },
    "quiz.resumed": {
        "en": "Resuming at question {n}.",
        "es": "Continuamos en la pregunta {n}.",
    },
    "quiz.bank_changed": {
        "en": "The question bank has changed since you saved: resuming with the {kept} "
        "answers whose questions still exist.",
        "es": "El banco de preguntas ha cambiado desde que guardaste: continuamos con las "
        "{kept} respuestas cuyas preguntas siguen existiendo.",
    },
    "quiz.bank_dropped": {
        "en": "{count} earlier answers no longer fit and were dropped: {questions}.",
        "es": "{count} respuestas anteriores ya no encajan y se descartaron: {questions}.",
    },
    "quiz.unreadable": {
        "en": "pmfit: could not read the saved quiz {path} ({reason}); kept it as {aside} "
        "and starting over.",
        "es": "pmfit: no se pudo leer el cuestionario guardado {path} ({reason}); se conserva "
        "como {aside} y empezamos de nuevo.",
    },
    "quiz.unreadable_kept": {
        "en": "pmfit: could not read the saved quiz {path} ({reason}), nor move it aside "
        "({why}); it is left as it is, and this quiz will not be saved.",
        "es": "pmfit: no se pudo leer el cuestionario guardado {path} ({reason}) ni apartarlo "
        "({why}); se deja como está y este cuestionario no se guardará.",
    },
    "quiz.not_moved": {
        "en": "an unreadable earlier save is there and could not be moved aside: {reason}",
        "es": "hay un guardado anterior ilegible que no se pudo apartar: {reason}",
    },
    "quiz.busy": {
        "en": "another pmfit quiz is using this saved quiz; finish or quit that one "
        "first (q saves it), then run: {command}",
        "es": "otro pmfit quiz está usando este cuestionario guardado; termina o sal de ese "
        "primero (q lo guarda) y luego ejecuta: {command}",
    },
    "quiz.save_failed": {
        "en": "pmfit: could not save your progress to {path}: {reason}. Your answers are "
        "kept while this quiz runs: finish it here, or fix that and answer on (each answer "
        "tries again).",
        "es": "pmfit: no se pudo guardar tu progreso en {path}: {reason}. Tus respuestas se "
        "conservan mientras siga este cuestionario: termínalo aquí, o arregla eso y sigue "
        "respondiendo (cada respuesta lo vuelve a intentar).",
    },
    "quiz.save_again": {
        "en": "Saved your progress to {path} again.",
        "es": "Tu progreso vuelve a guardarse en {path}.",
    },
    "quiz.quit_unsaved": {
        "en": "Your answers are not saved (see above): quitting now loses them. Type q "
        "again to quit anyway, or answer on.",
        "es": "Tus respuestas no están guardadas (ver arriba): si sales ahora se pierden. "
        "Escribe q otra vez para salir de todos modos, o sigue respondiendo.",
    },
    "quiz.not_saved": {
        "en": "Not saved: could not write {path} ({reason}). To score your answers so far, "
        "run: {command}",
        "es": "No guardado: no se pudo escribir {path} ({reason}). Para puntuar tus "
        "respuestas hasta ahora, ejecuta: {command}",
    },
    "quiz.stopped": {
        "en": "Stopped after {asked} of {total}: the other {rest} could not move your score "
        "across the band (it stays between {low:+.0f} and {high:+.0f}).",
        "es": "Detenido tras {asked} de {total}: las otras {rest} no podían llevar tu "
        "puntuación al otro lado de la banda (queda entre {low:+.0f} y {high:+.0f}).",
    },
    "quiz.stopped.predictive": {
        "en": "Stopped after {asked} of {total}: the other {rest} would change this result "
        "for fewer than 1 in 20 respondents like you (simulated).",
        "es": "Detenido tras {asked} de {total}: las otras {rest} cambiarían este resultado "
        "a menos de 1 de cada 20 personas como tú (en simulación).",
    },
    "quiz.continue": {
        "en": "Too close to call after the short form. {rest} more questions of the full quiz "
        "may settle it. Keep going? (Enter: keep going, r: see the result now) ",
        "es": "Demasiado igualado tras la versión corta. {rest} preguntas más del cuestionario "
        "completo pueden decidirlo. ¿Seguimos? (Enter: seguir, r: ver el resultado ya) ",
    },
    "quiz.continue.hint": {
        "en": "Press Enter to keep going, or r to see the result now.",
        "es": "Presiona Enter para seguir, o r para ver el resultado ya.",
    },
    "quiz.done": {
        "en": "That was the last question. Your result:",
        "es": "Esa era la última pregunta. Tu resultado:",
    },
    "quiz.wrote": {"en": "Wrote {path}", "es": "Se guardó {path}"},
    # `pmfit form`: the quiz as a form to paste into Google Forms and the like.
    "form.title": {"en": "Form title: {title}", "es": "Título del formulario: {title}"},
    "form.description.label": {
        "en": "Form description: {description}",
        "es": "Descripción del formulario: {description}",
    },
    "form.description": {
        "en": "Choose the answer closest to you: there are no right or wrong answers.",
        "es": "Elige la respuesta que más se acerque a ti: no hay respuestas correctas "
        "ni incorrectas.",
    },
    "form.name.kind": {"en": "Short answer, required:", "es": "Respuesta corta, obligatoria:"},
    "form.name": {"en": "Your name", "es": "Tu nombre"},
    "form.email.kind": {
        "en": "Short answer, required, an email address:",
        "es": "Respuesta corta, obligatoria, una dirección de correo electrónico:",
    },
    "form.email": {"en": "Your email", "es": "Tu correo electrónico"},
    "form.question": {
        "en": "Question {n} of {total}, multiple choice, {status}:",
        "es": "Pregunta {n} de {total}, opción múltiple, {status}:",
    },
    "form.required": {"en": "required", "es": "obligatoria"},
    "form.optional": {"en": "optional", "es": "opcional"},
    "form.wrote.script": {
        "en": "Wrote {path}: paste it into a new project at https://script.google.com "
        "and run createForm.",
        "es": "Se guardó {path}: pégalo en un proyecto nuevo de https://script.google.com "
        "y ejecuta createForm.",
    },
    "quiz.summary": {
        "en": "Your result: {recommendation} — {words}, score {score}. The reasons are above.",
        "es": "Tu resultado: {recommendation} — {words}, puntuación {score}. Los motivos "
        "están arriba.",
    },
    "quiz.summary.insufficient": {
        "en": "Your result: {recommendation}. Answer more questions to get a recommendation.",
        "es": "Tu resultado: {recommendation}. Responde más preguntas para obtener una "
        "recomendación.",
    },
    # The cohort report as a web page.
    "report.title": {"en": "Cohort report", "es": "Informe de la cohorte"},
    "report.about": {
        "en": "{respondents} respondents; bank {bank} {version}.",
        "es": "{respondents} participantes; banco {bank} {version}.",
    },
    "report.outcomes": {"en": "Recommendations", "es": "Recomendaciones"},
    "report.outcome.B2B": {"en": "B2B", "es": "B2B"},
    "report.outcome.B2C": {"en": "B2C", "es": "B2C"},
    "report.outcome.either": {"en": "Either", "es": "Cualquiera"},
    "report.outcome.too_close": {"en": "Too close to call", "es": "Demasiado igualado"},
    "report.outcome.insufficient": {"en": "Too few answers", "es": "Pocas respuestas"},
    "report.scores": {"en": "Scores", "es": "Puntuaciones"},
    "report.scores.about": {
        "en": "Mean {mean}, standard deviation {sd}, on a scale from -100 (wholly B2B) to "
        "+100 (wholly B2C). The shaded band is “either”.",
        "es": "Media {mean}, desviación típica {sd}, en una escala de -100 (totalmente B2B) "
        "a +100 (totalmente B2C). La franja sombreada es «cualquiera».",
    },
    "report.bin": {"en": "{low} to {high}: {count}", "es": "{low} a {high}: {count}"},
    "report.dimensions": {"en": "By dimension", "es": "Por dimensión"},
    "report.dimensions.about": {
        "en": "Each bar splits the respondents who answered the dimension: leaning B2B "
        "(a score below -{band}) to the left of the line, balanced (from -{band} to {band}) "
        "across it, leaning B2C (above {band}) to the right. The figures are the shares "
        "leaning B2B and B2C.",
        "es": "Cada barra reparte a quienes respondieron la dimensión: inclinados a B2B "
        "(puntuación por debajo de -{band}) a la izquierda de la línea, equilibrados (de "
        "-{band} a {band}) sobre ella, inclinados a B2C (por encima de {band}) a la derecha. "
        "Las cifras son las proporciones inclinadas a B2B y a B2C.",
    },
    "report.side.b2b": {"en": "Leaning B2B", "es": "Inclinados a B2B"},
    "report.side.balanced": {"en": "Balanced", "es": "Equilibrados"},
    "report.side.b2c": {"en": "Leaning B2C", "es": "Inclinados a B2C"},
    "report.flags": {"en": "Quality flags", "es": "Avisos de calidad"},
    "report.flag.straight_lining": {
        "en": "Same option position everywhere",
        "es": "La misma posición en todo",
    },
    "report.flag.misfit": {
        "en": "Answers that look random",
        "es": "Respuestas que parecen al azar",
    },
    "report.flag.many_skips": {"en": "Many skips", "es": "Muchas omitidas"},
    "report.reliability": {"en": "Reliability", "es": "Fiabilidad"},
    "report.alpha": {
        "en": "Cronbach's alpha {alpha}{interval}, over {items} questions and the {respondents} "
        "respondents who answered every one. Item scores are the options' leans (B2C high).",
        "es": "Alfa de Cronbach {alpha}{interval}, sobre {items} preguntas y los {respondents} "
        "participantes que respondieron todas. La puntuación de cada pregunta es la inclinación "
        "de la opción (B2C alto).",
    },
    "report.alpha.interval": {
        "en": " (95% interval {low} to {high}, Feldt)",
        "es": " (intervalo del 95 % de {low} a {high}, Feldt)",
    },
    "report.alpha.none": {
        "en": "Cronbach's alpha cannot be computed: it needs at least two respondents who "
        "answered every one of the {items} questions, and answers that vary ({respondents} "
        "answered every one).",
        "es": "No se puede calcular el alfa de Cronbach: necesita al menos dos participantes "
        "que respondan las {items} preguntas, y respuestas que varíen ({respondents} las "
        "respondieron todas).",
    },
    "report.items": {"en": "Questions", "es": "Preguntas"},
    "report.items.about": {
        "en": "Answers by option, coloured from B2B to B2C by the option's lean. A question "
        "whose item-rest correlation is negative may be keyed the wrong way; one below 0.2 "
        "says little about the rest (flagged from 20 respondents).",
        "es": "Respuestas por opción, coloreadas de B2B a B2C según la inclinación de la "
        "opción. Una pregunta con correlación ítem-resto negativa puede estar al revés; una "
        "por debajo de 0,2 dice poco del resto (se marca a partir de 20 participantes).",
    },
    "report.col.question": {"en": "Question", "es": "Pregunta"},
    "report.col.answers": {"en": "Answers", "es": "Respuestas"},
    "report.col.skipped": {"en": "Skipped", "es": "Omitida"},
    "report.col.item_rest": {"en": "Item-rest r", "es": "r ítem-resto"},
    "report.col.alpha_dropped": {"en": "Alpha if dropped", "es": "Alfa sin ella"},
    "report.col.flag": {"en": "Flag", "es": "Aviso"},
    "report.col.count": {"en": "Results", "es": "Resultados"},
    "report.col.share": {"en": "Share", "es": "Proporción"},
    "report.item.negative": {"en": "negative: mis-keyed?", "es": "negativa: ¿al revés?"},
    "report.item.low": {"en": "low (< 0.2)", "es": "baja (< 0,2)"},
    "report.none": {"en": "No respondents yet.", "es": "Aún no hay participantes."},
    "report.footer": {
        "en": "Made by pmfit {version}. This page loads nothing from the network.",
        "es": "Hecho con pmfit {version}. Esta página no carga nada de la red.",
    },
}

NUMBER_WORDS: dict[str, list[str]] = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "es": [
        "cero",
        "uno",
        "dos",
        "tres",
        "cuatro",
        "cinco",
        "seis",
        "siete",
        "ocho",
        "nueve",
        "diez",
    ],
}


def number_words(n: int, lang: str) -> str:
    """Small numbers in words ("five"), larger ones in digits."""
    words = NUMBER_WORDS.get(lang, NUMBER_WORDS["en"])
    return words[n] if 0 <= n < len(words) else str(n)


def duration(minutes: int, lang: str) -> str:
    """ "about 1 minute" / "about 13 minutes", "un minuto" / "unos 13 minutos"."""
    if lang == "es":
        return "un minuto" if minutes == 1 else f"unos {minutes} minutos"
    return f"about {minutes} minute{'' if minutes == 1 else 's'}"


def t(key: str, lang: str, **values: object) -> str:
    from pmfit.text.numbers import Sided

    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    if not values:
        return text
    # A number that rounds to zero is said without a sign ("0", never "-0").
    return text.format(**{k: Sided(v) if isinstance(v, float) else v for k, v in values.items()})

"""A small zero-shot classification demo with conformal label pruning (for ``make demo``).

Calibrates a pruner on a handful of bundled, unlabelled texts (labelled by the NLI model
itself), then classifies a few sample texts and shows the label set kept for each and the
top label. The texts were written for xlink; they are not taken from any data set.
``alpha`` is 0.1 here because conformal calibration needs at least ``ceil(1/alpha)``
calibration texts and the demo must stay fast; real use calibrates on hundreds of texts at
``alpha = 0.01``. The base is the nearest-neighbour one (``knn``, sentence embeddings): fitted
on 20 texts it keeps 1–3 of the 10 labels for the samples, where the TF-IDF base kept 6–8
(``xlink evaluate-zeroshot`` and ``xlink calibrate`` choose the base by measured cost instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LABELS = [
    "card_lost", "card_arrival", "exchange_rate", "transfer_failed", "refund",
    "pin_blocked", "top_up", "account_closing", "cash_withdrawal", "fees",
]

CALIBRATION_TEXTS = [
    "I think someone stole my card yesterday", "My card still has not been delivered",
    "What rate do you use to convert euros to dollars?", "The money I sent never reached my friend",
    "I want my money back for this purchase", "I typed the wrong PIN three times and now it is locked",
    "How can I add money to my account?", "Please delete my account", "The ATM did not give me my cash",
    "Why was I charged an extra fee?", "I can't find my card anywhere", "When will my new card arrive?",
    "Is the exchange rate better on weekends?", "My transfer was declined, why?", "The shop refuses to refund me",
    "How do I unblock my PIN?", "My top-up did not go through", "I would like to close my account today",
    "Can I withdraw money abroad?", "What fees apply to international payments?", "I left my card in a taxi",
    "The tracking says my card is lost in the post", "How much will I get in pounds for 100 euros?",
    "The payment to my landlord failed twice", "I returned the item but got no refund yet",
    "My PIN is blocked after I forgot it", "Can I top up with a credit card?", "How do I cancel my membership?",
    "The cash machine kept my money", "Do you charge for transfers?", "Lost my wallet with the card inside",
    "It has been two weeks and no card", "Which currencies can I exchange?", "Transfer failed but money left my account",
    "Refund for a double charge please", "I need to reset my PIN", "Where can I load cash onto my card?",
    "Close my account and send me the balance", "Withdrawal limit at ATMs?", "Hidden charges on my statement",
]

SAMPLE_TEXTS = [
    "I lost my card on the train this morning.",
    "How many dollars will I get for 50 euros?",
    "My bank transfer to Spain bounced back.",
    "Why did you charge me 3 euros for withdrawing cash?",
    "I'd like to shut down my account for good.",
]


@dataclass
class DemoRow:
    """What the demo shows for one sample text."""

    text: str
    label_set: tuple[str, ...]
    top_label: str | None
    score: float


def run_demo(
    model: str | None = None,
    alpha: float = 0.1,
    base: str = "knn",
    say: Callable[[str], None] | None = None,
    per_text: bool = True,
) -> list[DemoRow]:
    """Calibrate on the bundled texts and classify the samples with pruned label sets.

    ``say`` receives progress lines, and with ``per_text`` each text's kept labels and top label.
    """
    from xlink.classify.evaluate_zeroshot import top_labels
    from xlink.classify.zeroshot import ZeroShotClassifier
    from xlink.conformal.pruner import ConformalLabelPruner

    def emit(message: str) -> None:
        if say is not None:
            say(message)

    classifier = ZeroShotClassifier(model)
    emit(f"labelling {len(CALIBRATION_TEXTS)} calibration texts with {len(LABELS)} labels ({classifier.model_name})")
    zero_shot = top_labels(classifier.predict(CALIBRATION_TEXTS, LABELS), LABELS[0])
    pruner = ConformalLabelPruner(LABELS, base=base, alpha=alpha, nli_model=classifier.model_name)
    pruner.fit_conformalize(CALIBRATION_TEXTS, zero_shot)
    sets = pruner.predict_set(SAMPLE_TEXTS)
    predictions = classifier.predict(SAMPLE_TEXTS, LABELS, [list(s.labels) for s in sets])
    rows = []
    for text, label_set, prediction in zip(SAMPLE_TEXTS, sets, predictions, strict=True):
        top = prediction.top_label
        rows.append(DemoRow(text, label_set.labels, top, prediction.scores.get(top, 0.0) if top else 0.0))
        if per_text:
            emit(f"{text}\n  kept {len(label_set)}/{len(LABELS)}: {', '.join(label_set.labels)}\n  -> {top}")
    return rows

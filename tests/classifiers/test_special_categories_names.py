"""A special-category term that is part of a person's name is not the category: a surname
after a given name ("Melinda Christian", "Sam Bishop": both are surnames Faker's en_US provider
draws), or a term inside a PERSON the NER found ("Faith Jain"). The same words as religion
still count: after a religious modifier, lower-case, in a cue."""

from __future__ import annotations

import pytest

from classifiers.special_categories import SpecialCategoryClassifier
from scanner.models import Detection, Location, TextUnit


def religion(text: str, persons: tuple[str, ...] = ()) -> list[str]:
    found = tuple(Detection("PERSON", text.index(p), text.index(p) + len(p), 0.85, "NER-TEST",
                            "NER-TEST: person", p) for p in persons)
    unit = TextUnit(Location("mem://t"), text)
    return [text[d.start:d.end] for d in SpecialCategoryClassifier().classify(unit, found)
            if d.entity == "RELIGION"]


@pytest.mark.parametrize(("text", "persons", "expected"), [
    # names: not religion
    ("Refunds go to Melinda Christian, IBAN on file.", (), []),
    ("Refunds go to Sam Bishop today.", (), []),
    ("Christian Smith called about the invoice.", (), []),
    ("Send it to Faith Jain please.", ("Faith Jain",), []),
    ("Dear Christian, thanks for the notes.", (), []),
    # a partner of a firm (Faker's company())
    ("Bishop, Green and Bishop agreed to cultivate transparent applications.", (), []),
    ("Green and Pastor signed the lease.", (), []),
    ("Invoice from Bishop-Green for May.", (), []),
    ("Bishop LLC sent the contract.", (), []),
    ("Parker-Christian won the tender.", (), []),
    ("Christian, Richard and Ramirez LLP sent the brief.", (), []),
    # a surname-term in a firm's name wherever it stands (the vocabularies' ``surnames``)
    ("Turner, Christian and Pearson agreed to optimize value-added web-readiness.", (), []),
    ("Environmental health practitioner, Christian, Richard and Ramirez", (), []),
    ("Deacon Ltd and Priest & Sons sent quotes.", (), []),
    ("Smith-Jain LLP sent the brief.", (), []),
    # accented names, and the name after a greeting or a closing
    ("Christian Müller called yesterday about the invoice.", (), []),
    ("Christian Ødegaard signed the form.", (), []),
    ("José Christian sent the file.", (), []),
    ("Søren Bishop replied.", (), []),
    ("Regards, Christian", (), []),
    ("Kind regards,\nChristian", (), []),
    ("Thanks, Christian!", (), []),
    ("Hi Christian, the invoice is attached.", (), []),
    # religion: the same words where they are the category
    ("He is a devout Christian.", (), ["devout Christian"]),
    ("She is a Christian and prays daily.", (), ["Christian", "prays"]),
    ("The Bishop of London met her.", (), ["Bishop"]),
    ("The Bishop and the priest met her.", (), ["Bishop", "priest"]),
    ("Muslim and Christian staff share the room.", (), ["Muslim", "Christian"]),
    ("Our Christian staff network meets on Fridays.", (), ["Christian"]),
    ("Christian values matter to her.", (), ["Christian"]),
    ("Christian, Muslim and Jewish staff attended.", (), ["Christian", "Muslim", "Jewish"]),
    ("Jewish, Muslim and Christian staff were consulted.", (), ["Jewish", "Muslim", "Christian"]),
    ("Monk, Priest and Deacon are the roles.", (), ["Monk", "Priest", "Deacon"]),
    ("The Catholic Group met.", (), ["Catholic"]),  # no surname: an adjective of the group
    ("Buddhist Partners met.", (), ["Buddhist"]),
    ("Regards to the Christian community.", (), ["Christian"]),
    ("Evangelical Christian families were surveyed.", (), ["Evangelical Christian"]),
    ("Send it to Faith Jain please.", (), ["Jain"]),  # no NER: the vocabulary cannot tell
    ("He converted to Islam in 2010.", ("Islam",), ["converted to Islam"]),  # a cue stays
    ("Leave request: Rachel Stein, Yom Kippur.", ("Rachel Stein", "Yom Kippur"), ["Yom Kippur"]),
])
def test_names_are_not_religion(text: str, persons: tuple[str, ...], expected: list[str]) -> None:
    assert religion(text, persons) == expected


def sexual_orientation(text: str) -> list[str]:
    unit = TextUnit(Location("mem://t"), text)
    return [text[d.start:d.end] for d in SpecialCategoryClassifier().classify(unit, ())
            if d.entity == "SEXUAL_ORIENTATION"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Gay PLC agreed to repurpose strategic interfaces.", []),  # Faker's company(): a surname
    ("Gay LLC sent it.", []),
    ("Gay and Sons won the tender.", []),
    ("Harris, Gay and Lee agreed to the terms.", []),
    ("He is gay.", ["He is gay"]),
    ("Gay and lesbian staff network", ["Gay", "lesbian"]),
    ("Gay, lesbian and bisexual staff were surveyed.", ["Gay", "lesbian", "bisexual"]),
])
def test_a_surname_in_a_firm_is_not_orientation(text: str, expected: list[str]) -> None:
    assert sexual_orientation(text) == expected


def test_every_surname_is_a_term_of_its_vocabulary() -> None:
    from scanner.vocabularies import load_vocabularies

    listed = [(v, s) for v in load_vocabularies() for s in v.surnames]
    assert {v.name for v, _ in listed} >= {"religion", "sexual_orientation"}
    assert all(v.term_regex.fullmatch(s) for v, s in listed)

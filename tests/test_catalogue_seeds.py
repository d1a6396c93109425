"""Seed coverage: every organisation the five seeds name as providing, coordinating or funding support has a
catalogue record that names it and quotes that seed."""

from __future__ import annotations

import re

import pytest

from geo_service.catalogue import load_catalogue
from geo_service.catalogue.quotes import _collapse

EWSI, JRS, CEV, AHMAD_YAR, IMMERSE = (
    "000_b4915499b11d7bf0.txt",
    "001_e7c5b0a545e291b1.txt",
    "002_c5dfc2d2c27511c8.txt",
    "003_9afe29e294f90851.txt",
    "004_e4de3ffb1e72c9ce.txt",
)

# (how a catalogue record names the organisation, seed file, a short phrase of that seed naming it)
ORGANISATIONS = [
    ("Héritage des femmes", EWSI, "HERITAGE DES FEMMES is an association of women of foreign origin"),
    ("TYN", EWSI, "TYN ASBL is a Brussels’s association"),
    ("Schola ULB", EWSI, "SCHOLA ULB is a non-profit organisation"),
    ("Duo for a Job", EWSI, "DUO FOR A JOB organises mentoring activities in Brussels"),
    ("For Youth", EWSI, "FOR YOUTH is a youth association created by Turkish migrants"),
    ("Young Entrepreneurs Platform", EWSI, "Young Entrepreneurs Platform"),
    ("Unizo", EWSI, "business institutions including Unizo, Voka, UCM"),
    ("Voka", EWSI, "business institutions including Unizo, Voka, UCM"),
    ("UCM", EWSI, "business institutions including Unizo, Voka, UCM"),
    ("Fedactio", EWSI, "Federation of Active Associations of Belgium Fedactio"),
    ("Civic Platform for Refugees", EWSI, "CIVIC PLATFORM FOR REFUGEES is a big initiative"),
    ("Inaya", EWSI, "Inaya ASBL"),
    ("Coordination des Sans Papiers", EWSI, "Coordination des Sans Papiers"),
    ("Oxfam", EWSI, "NGO’s like Oxfam, Médecins du Monde, Croix-Rouge"),
    ("Médecins du Monde", EWSI, "NGO’s like Oxfam, Médecins du Monde, Croix-Rouge"),
    ("Croix-Rouge", EWSI, "THE RED CROSS has 18 reception centres for asylum seekers in Belgium"),
    ("Caritas International", EWSI, "CARITAS INTERNATIONAL has been providing individual home solutions to refugees"),
    ("CIRE", EWSI, "refugee institutions CIRE and Vluchtelingenwerk Vlaanderen"),
    ("Vluchtelingenwerk Vlaanderen", EWSI, "refugee institutions CIRE and Vluchtelingenwerk Vlaanderen"),
    ("Actiris", EWSI, "employment governmental structures ACTIRIS"),
    ("EWSI", EWSI, "EWSI Analysis on Voluntary and Citizens’ Initiative: Belgium"),
    ("JRS Europe", JRS, "Published in Brussels by JRS Europe in December 2017"),
    ("JRS Belgium", JRS, "informal encounters by JRS Belgium"),
    ("Rights, Equality and Citizenship", JRS, "Rights, Equality and Citizenship (REC) Programme of the European Union"),
    ("King Baudouin Foundation", JRS, "the King Baudouin Foundation, the largest private foundation in Belgium"),
    ("Flemish Refugee Action", JRS, "the Hospitality campaign launched by the Flemish Refugee Action"),
    ("Vluchtelingenwerk Vlaanderen", JRS, "Since 2014, the Flemish Refugee Action launches a yearly campaign"),
    ("CIRE", JRS, "Coordination des Initiatives pour Réfugiés et Exilés (CIRE)"),
    ("Up Together", JRS, "Up Together project run by JRS Belgium"),
    ("MRAX", JRS, "MRAX"),
    ("ORBIT", JRS, "ORBIT"),
    ("BrusselZwerft", JRS, "BrusselZwerft"),
    ("Platform against Racism", JRS, "the Platform against Racism launched a campaign"),
    ("School Zonder Racisme", JRS, "School without Racism (School Zonder Racisme / Ecole Sans Racisme)"),
    ("Agir Ensemble", JRS, "Agir Ensemble"),
    ("L'Hirondelle", JRS, "Hirondelle"),
    ("Agape", JRS, "Michiels Agape Kortrijk"),
    ("SOCK", JRS, "SOCK"),
    ("Tremplin pour la Vie", JRS, "Tremplin"),
    ("Collectif des femmes", JRS, "Collectif des femmes"),
    ("Music in Colour", JRS, "Music in Colour"),
    ("Syrimont", JRS, "Syrimont"),
    ("Refugee Forum Denderleeuw", JRS, "BUDDYBEGELEIDING REFUGEE FORUM"),
    ("DGO5", JRS, "the Directorate General for Local Authorities, Social Action and Health (DG05)"),
    ("COCOM", JRS, "Brussels-Capital Community Commission (COCOM)"),
    ("COCOF", JRS, "the French Community Commission (COCOF)"),
    ("VVSG", JRS, "VVSG (Flanders)"),
    ("UVCW", JRS, "UVCW (Wallonia)"),
    ("Brulocalis", JRS, "Brulocalis (Brussels)"),
    ("Agentschap Integratie en Inburgering", JRS, "Agentschap voor Integratie en Inburgering"),
    ("CPAS", JRS, "public centres for social welfare (CPAS/OCMW)"),
    ("Centre for European Volunteering", CEV, "CEV | Centre for European Volunteering"),
    ("Tandem", CEV, "Tandem volunteer"),
    ("IWEPS", AHMAD_YAR, "the Walloon Institute for Evaluation, Foresight and Statistics (IWEPS)"),
    ("AMIF", AHMAD_YAR, "the AMIF (Asylum, Migration, and Integration Fund)"),
    ("European Social Fund", AHMAD_YAR, "co-funded by the European Social Fund"),
    ("FIPI", AHMAD_YAR, "the Impulse Fund for Migration Policy (FIPI)"),
    ("Urban Policy Grant", AHMAD_YAR, "the Urban Policy Grant"),
    ("EGID", AHMAD_YAR, "EGID-Ulg (Unit of Research of the Ulg"),
    ("CLCD", AHMAD_YAR, "the Cell of Struggle Against Discriminations (CLCD)"),
    ("FGTB", AHMAD_YAR, "the Walloon FTGB"),
    ("CSC", AHMAD_YAR, "the service for diversity CSC"),
    ("Unia", AHMAD_YAR, "Struggles Against Discriminations (UNIA)"),
    ("Institute for the Equality of Women and Men", AHMAD_YAR, "the Institute for the Equality of Women and Men"),
    ("ULB", AHMAD_YAR, "the ULB university and BAPA integration office developed the CAMIM"),
    ("CAMIM", AHMAD_YAR, "developed the CAMIM"),
    ("IN-Gent", AHMAD_YAR, "In-Gent designs and implements civic integration programmes"),
    ("Atlas", AHMAD_YAR, "Atlas is the civic integration organisation for the city of Antwerp"),
    ("BON", AHMAD_YAR, "The Reception Office for Integration (BON)"),
    ("BAPA BXL", AHMAD_YAR, "BAPA VIA and BAPA BXL"),
    ("VIA", AHMAD_YAR, "BAPA VIA"),
    ("CRIC", AHMAD_YAR, "CRIC"),
    ("CRIPEL", AHMAD_YAR, "CRIPEL"),
    ("VDAB", AHMAD_YAR, "Vlaamse Dienst voor Arbeidsbemiddeling en Beroepsopleiding (VDAB)"),
    ("Forem", AHMAD_YAR, "Le Forem is the main service provider"),
    ("Arbeitsamt der Deutschsprachigen Gemeinschaft", AHMAD_YAR, "Arbeitsamt der DG"),
    ("Actiris", AHMAD_YAR, "Actiris"),
    ("Fedasil", AHMAD_YAR, "Fedasil"),
    ("Flemish Community Commission", AHMAD_YAR, "Flemish Community Commission (VCG)"),
    ("COCOM", AHMAD_YAR, "Common Community Commission (COCOM)"),
    ("Integration Council", AHMAD_YAR, "a task force called the ‘Integration Council’"),
    ("Refugee task force", AHMAD_YAR, "the city of Ghent has implemented a refugee task force"),
    ("CBAI", AHMAD_YAR, "Le Centre Bruxellois d’Action Interculturelle (CBAI)"),
    ("CAW", AHMAD_YAR, "CAW"),
    ("Basiseducatie", AHMAD_YAR, "Centrum Voor Basiseducatie"),
    ("CVO", AHMAD_YAR, "CVO"),
    ("Syntra", AHMAD_YAR, "Syntra"),
    ("Vormingplus", AHMAD_YAR, "Vormingplus"),
    ("Solentra", AHMAD_YAR, "Solentra"),
    ("Jes", AHMAD_YAR, "Jes"),
    ("Samenlevingsopbouw", AHMAD_YAR, "Samenlevingsopbouw"),
    ("CEMIS", AHMAD_YAR, "Centre for Migration and Intercultural Studies (CeMIS, University of Antwerp)"),
    ("Netwerker Samenleven", AHMAD_YAR, "Netwerker Samenleven (Networker of Living Together)"),
    ("Samen Gentenaar", AHMAD_YAR, "Samen Gentenaar (Ghent Residents Together)"),
    ("Diversité en Wallonie", AHMAD_YAR, "The Platform Diversity in Wallonia is a project carried out by a consortium"),
    ("DisCRI", AHMAD_YAR, "DISCRI"),
    ("Le Guide Social", AHMAD_YAR, "Le Guide Social"),
    ("Huis Van Het Nederlands", AHMAD_YAR, "Huis Van Het Nederlands"),
    ("Bruxelles Formation", AHMAD_YAR, "Bruxelles Formation"),
    ("VUB", AHMAD_YAR, "VUB"),
    ("ONEM", AHMAD_YAR, "National Employment Office"),
    ("Voisins Solidaires", IMMERSE, "Voisins Solidaires"),
    ("Ligue des Familles", IMMERSE, "The project is funded by La Ligue des Familles and Convivial."),
    ("Convivial", IMMERSE, "Convivial and the Ligue des Familles supervise the recruitment"),
    ("IMMERSE", IMMERSE, "IMMERSE data collection process is completed"),
]


@pytest.fixture(scope="module")
def catalogue(boundaries, settings):
    return load_catalogue(boundaries, settings=settings)


@pytest.fixture(scope="module")
def seed_texts(settings):
    return {
        seed: _collapse((settings.seeds / seed).read_text(encoding="utf-8"))
        for seed in (EWSI, JRS, CEV, AHMAD_YAR, IMMERSE)
    }


def labels(record) -> str:
    names = record["names"] if isinstance(record["names"], dict) else {}
    return " | ".join(n for n in (record["name"], record["operator"], *names.values()) if isinstance(n, str)).casefold()


@pytest.mark.parametrize("organisation, seed, phrase", ORGANISATIONS, ids=[f"{o}-{s[:3]}" for o, s, _ in ORGANISATIONS])
def test_each_seed_organisation_has_a_record_quoting_that_seed(catalogue, seed_texts, organisation, seed, phrase):
    assert _collapse(phrase) in seed_texts[seed], f"the phrase is not in {seed}"
    records = catalogue.initiatives.reset_index()
    pattern = re.compile(rf"(?<!\w){re.escape(organisation.casefold())}(?!\w)")
    named = records[records.apply(lambda r: bool(pattern.search(labels(r))), axis=1)]
    assert len(named), f"no catalogue record names {organisation}"
    quoting = named[named["sources"].apply(lambda sources: any(s.get("seed") == seed for s in sources))]
    assert len(quoting), f"records naming {organisation} ({list(named['id'])}) do not quote {seed}"


def test_the_table_covers_every_seed():
    assert {seed for _, seed, _ in ORGANISATIONS} == {EWSI, JRS, CEV, AHMAD_YAR, IMMERSE}

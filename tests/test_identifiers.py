"""The one table of identifiers (dttstudy/intake/identifiers.py): identifier headers refused in every declared
language (one test per language), identifiers inside text cells refused by pattern, and legitimate clinical
text — doses, scores, lab values, weeks, Montreal codes — read as written."""
from __future__ import annotations

import pytest

from conftest import write_cohort
from dttstudy.intake.cohort import validate
from dttstudy.intake.identifiers import HEADER_WORDS, header_identifier_kind, value_identifier_kind

# headings as a centre writes them, per language: (heading, kind)
HEADERS = {
    "en": [("Patient Name", "a name"), ("Phone number", "contact details"), ("Date of birth", "a calendar date"),
           ("Hospital number", "a record or ID number"), ("Home address", "an address"), ("initials", "initials")],
    "zh": [("姓名", "a name"), ("住院号", "a record or ID number"), ("手机", "contact details"),
           ("出生日期", "a calendar date"), ("地址", "an address")],
    "zh-Hant": [("姓名", "a name"), ("病歷號", "a record or ID number"), ("電話", "contact details"),
                ("身分證字號", "a record or ID number"), ("門診號", "a record or ID number"), ("電郵", "contact details")],
    "ja": [("氏名", "a name"), ("フリガナ", "a name"), ("カルテ番号", "a record or ID number"),
           ("電話番号", "contact details"), ("生年月日", "a calendar date"), ("住所", "an address")],
    "ko": [("이름", "a name"), ("환자명", "a name"), ("주민등록번호", "a record or ID number"),
           ("전화번호", "contact details"), ("생년월일", "a calendar date"), ("주소", "an address")],
    "vi": [("Họ tên", "a name"), ("Họ và tên", "a name"), ("Số điện thoại", "contact details"),
           ("Ngày sinh", "a calendar date"), ("Địa chỉ", "an address"), ("Số hồ sơ", "a record or ID number"),
           ("CCCD", "a record or ID number")],
    "ru": [("ФИО", "a name"), ("Фамилия", "a name"), ("Телефон", "contact details"),
           ("Дата рождения", "a calendar date"), ("Адрес", "an address"),
           ("Номер истории болезни", "a record or ID number"), ("СНИЛС", "a record or ID number")],
    "fr": [("Nom", "a name"), ("Prénom", "a name"), ("Téléphone", "contact details"),
           ("Date de naissance", "a calendar date"), ("Adresse", "an address"), ("IPP", "a record or ID number"),
           ("Initiales", "initials")],
    "de": [("Vorname", "a name"), ("Telefon", "contact details"), ("Geburtsdatum", "a calendar date"),
           ("Straße", "an address"), ("Fallnummer", "a record or ID number")],
    "es": [("Nombre", "a name"), ("Apellidos", "a name"), ("Teléfono", "contact details"),
           ("Fecha de nacimiento", "a calendar date"), ("Dirección", "an address"), ("DNI", "a record or ID number")],
    "it": [("Cognome", "a name"), ("Cellulare", "contact details"), ("Data di nascita", "a calendar date"),
           ("Indirizzo", "an address"), ("Codice fiscale", "a record or ID number")],
    "pt": [("Sobrenome", "a name"), ("Telefone", "contact details"), ("Data de nascimento", "a calendar date"),
           ("Endereço", "an address"), ("Prontuário", "a record or ID number")],
    "nl": [("Achternaam", "a name"), ("Telefoon", "contact details"), ("Geboortedatum", "a calendar date"),
           ("Adres", "an address"), ("BSN", "a record or ID number")],
}


def test_every_language_of_the_table_has_examples():
    languages = {lang for langs in HEADER_WORDS.values() for lang in langs}
    assert languages == set(HEADERS)


@pytest.mark.parametrize("lang", sorted(HEADERS))
def test_identifier_headers_are_recognised(lang):
    for heading, kind in HEADERS[lang]:
        assert header_identifier_kind(heading) == kind, heading


@pytest.mark.parametrize("lang", ["fr", "ja", "ru", "ko", "zh-Hant", "vi"])
def test_an_identifier_column_is_refused_not_ignored(lang, minimal_tables, tmp_path):
    """The column is refused naming file, row 1 and the heading — not 'unknown column: ignored'."""
    heading, kind = HEADERS[lang][0]
    for r in minimal_tables["patients"]:
        r[heading] = "x"
    report = validate(write_cohort(tmp_path / "c", minimal_tables))
    assert not report.ok
    [f] = [f for f in report.failures if f.column == heading]
    assert (f.file, f.row) == ("patients.csv", 1) and f"direct identifier ({kind})" in f.rule
    assert not [w for w in report.warnings if w.column == heading]


@pytest.mark.parametrize("name", ["smoking", "remarks", "bmi", "weight_kg", "hotel", "telomere", "initial_dose",
                                  "zipper", "comment", "dosing_interval", "severity", "nombre_total", "ten_year_risk",
                                  "cap_dose", "dossiers", "data_source", "content", "note", "成分", "용량", "доза"])
def test_harmless_headings_in_any_language(name):
    assert header_identifier_kind(name) is None


IDENTIFIERS = [
    # dates: numeric with 4- and 2-digit years, compact ISO, CJK, month names in European languages
    ("zoster 14.03.23", "a calendar date"), ("03/14/23", "a calendar date"), ("UST since 20230314", "a calendar date"),
    ("带状疱疹 二〇二三年三月十四日", "a calendar date"), ("三月十四日", "a calendar date"),
    ("令和5年3月14日", "a calendar date"), ("2023년 3월 14일", "a calendar date"),
    ("ngày 14 tháng 3 năm 2023", "a calendar date"), ("seit 14. März 2023", "a calendar date"),
    ("le 14 mars 2023", "a calendar date"), ("14 janvier", "a calendar date"), ("14 de marzo de 2023", "a calendar date"),
    ("dal 3 settembre 2022", "a calendar date"), ("desde março de 2023", "a calendar date"),
    ("14 maart 2023", "a calendar date"), ("14 марта 2023 г.", "a calendar date"), ("Dezember 2021", "a calendar date"),
    # contact details and numbers
    ("dr.li@hospital.cn", "an e-mail address"), ("call 13812345678", "a phone number"),
    ("+86 138 1234 5678", "a phone number"), ("+49 30 1234567", "a phone number"), ("010-12345678", "a phone number"),
    ("(030) 1234 5678", "a phone number"), ("06 12 34 56 78", "a phone number"), ("555-123-4567", "a phone number"),
    ("11010519491231002X", "a national ID number"), ("110105194912310021", "a national ID number"),
    ("900101-1234567", "a national ID number"), ("123-45-6789", "a national ID number"),
    ("MRN 1234567", "a record number"), ("住院号 0012345", "a record number"), ("病案号A12345", "a record number"),
    ("zoster 1234567", "a record number"),
]


@pytest.mark.parametrize("text,kind", IDENTIFIERS)
def test_identifiers_in_text_are_recognised(text, kind):
    assert value_identifier_kind(text) == kind


CLINICAL = ["12.5 mg/d", "AZA 12.5 mg/d combination", "2.5-10 mg", "HBI 7", "Mayo 2", "CRP 12.5 mg/L", "week 12",
            "week 52", "L3 B2 p", "L3+L4 B2 p", "E3", "UST 90 mg q8w", "IFX 5 mg/kg", "1.5 mg/kg", "5-ASA 4 g/d",
            "6-MP 50 mg", "COVID-19", "IL-23", "HLA-B27", "2019", "1/2/3", "score 3/9", "4/6 patients", "3 months",
            "may recur", "herpes zoster", "Hashimoto thyroiditis", "grade 3", "CTCAE v5.0", "SES-CD 12", "12-16 weeks",
            "2 x 10^9/L", "P2023-01", "0.5-1.0", "+2 5 10", "3 out of 10", "day 14", "10:00-12:00", "C3/C4"]


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_text_is_not_an_identifier(text):
    assert value_identifier_kind(text) is None


def test_a_study_id_may_be_a_letter_and_digits_but_not_a_phone_or_date():
    assert value_identifier_kind("S0000001", id_column=True) is None
    assert value_identifier_kind("S0000001") == "a record number"  # in a text column it is a record number shape
    assert value_identifier_kind("13812345678", id_column=True) == "a phone number"
    assert value_identifier_kind("20230314", id_column=True) == "a calendar date"


def test_every_identifier_cell_is_named_by_file_row_and_column(minimal_tables, tmp_path):
    minimal_tables["adverse_events"][0]["term"] = "zoster, call 13812345678"
    minimal_tables["treatments"][1]["next_therapy"] = "UST since 20230314"
    minimal_tables["patients"][1]["autoimmune_disease"] = "psoriasis, dr.li@hospital.cn"
    minimal_tables["patients"][0]["center"] = "A 11010519491231002X"
    report = validate(write_cohort(tmp_path / "c", minimal_tables))
    got = {(f.file, f.row, f.column, f.rule.split(":")[0]) for f in report.failures}
    assert got == {("adverse_events.csv", 2, "term", "looks like a phone number"),
                   ("treatments.csv", 3, "next_therapy", "looks like a calendar date"),
                   ("patients.csv", 3, "autoimmune_disease", "looks like an e-mail address"),
                   ("patients.csv", 2, "center", "looks like a national ID number")}
    text = str(report)
    for secret in ("13812345678", "20230314", "dr.li@hospital.cn", "11010519491231002X"):
        assert secret not in text  # the offending text is never echoed

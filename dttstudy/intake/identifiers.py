"""Direct identifiers, declared once: the header words and the value patterns that mark one, in the languages
centres write in. :mod:`dttstudy.intake.privacy` refuses what they match (file, row and column named; the
offending text is never echoed).

Header words (:data:`HEADER_WORDS`)
    What a column heading may not say, per kind of identifier and per language: English, Chinese (simplified
    and traditional), Japanese, Korean, Vietnamese, Russian, French, German, Spanish, Italian, Portuguese and
    Dutch. A heading is compared as a person reads it (:func:`header_key`): lower case, spaces and hyphens as
    ``_``, accents of Latin letters dropped (``Prénom`` = ``prenom``, ``Họ tên`` = ``ho_ten``). A word written
    ``_word_`` must stand alone between separators (``nom`` in ``nom_patient``, not in ``nombre_total``), one
    written ``=word`` must be the whole heading (``initial``, not ``initial_dose``); any other word matches
    anywhere in the heading (``姓名``, ``telefon``).

Value patterns (:data:`VALUE_PATTERNS`)
    What a text cell (AE term, comorbidity, next therapy, centre, Montreal class, study id) may not hold:
    e-mail addresses; calendar dates — numeric with 4- and 2-digit years (``14/03/2023``, ``14.03.23``),
    ISO and compact ISO (``2023-03-14``, ``20230314``), Chinese and Japanese (``2023年3月14日``,
    ``二〇二三年三月十四日``, ``令和5年``), Korean (``2023년 3월 14일``), Vietnamese (``ngày 14 tháng 3``) and
    month names in English, French, German, Spanish, Italian, Portuguese, Dutch and Russian (``14. März 2023``,
    ``14 de marzo de 2023``, ``14 марта 2023``); national ID numbers (the 18-character Chinese resident ID, the
    Korean resident number, the US social security number); phone numbers (international ``+…``, Chinese
    mobile, grouped national numbers); record numbers (a labelled number such as ``MRN 12345`` or ``住院号
    12345``, and in text columns any run of six or more digits, which no term, dose or score has).

What passes: doses and ranges (``12.5 mg/d``, ``2.5-10 mg``), scores (``HBI 7``, ``Mayo 2``), lab values
(``CRP 12.5 mg/L``), ``week 12``, ``3 months``, Montreal codes (``L3 B2 p``), drug and gene names (``IL-23``,
``HLA-B27``, ``COVID-19``), a year alone (``2019``) and short fractions (``1/2/3``); the tests hold examples of
both sides for every language. A study id may be any letters and digits (``S0000001``): in id columns only
dates, e-mail addresses, national IDs and phone numbers are refused.
"""
from __future__ import annotations

import re
import unicodedata

# ------------------------------------------------------------------------------------------------------------
# Header words: kind -> language -> words ("_w_": the word stands alone between separators)
# ------------------------------------------------------------------------------------------------------------
HEADER_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "a name": {
        "en": ("name", "surname", "forename"),
        "zh": ("姓名", "名字", "拼音", "患者名"),
        "zh-Hant": ("姓名", "名字", "病患姓名"),
        "ja": ("氏名", "名前", "患者名", "フリガナ", "ふりがな", "カナ"),
        "ko": ("이름", "성명", "환자명"),
        "vi": ("ho_ten", "ho_va_ten", "=ten", "ten_benh_nhan", "ten_bn"),
        "ru": ("фио", "имя", "фамилия", "отчество"),
        "fr": ("_nom_", "prenom", "nom_de_famille"),
        "de": ("vorname", "nachname", "familienname"),
        "es": ("=nombre", "nombre_y_apellido", "nombre_completo", "nombre_paciente", "nombre_del_paciente",
               "apellido"),
        "it": ("_nome_", "cognome"),
        "pt": ("_nome_", "sobrenome"),
        "nl": ("naam", "voornaam", "achternaam"),
    },
    "initials": {
        "en": ("initials", "=initial"),
        "zh": ("缩写", "首字母"),
        "zh-Hant": ("縮寫",),
        "ja": ("イニシャル",),
        "ko": ("이니셜",),
        "ru": ("инициалы",),
        "fr": ("initiales",),
        "de": ("initialen",),
        "es": ("iniciales",),
        "it": ("iniziali",),
        "pt": ("iniciais",),
        "nl": ("voorletters",),
    },
    "contact details": {
        "en": ("phone", "mobile", "_tel_", "_tel_no_", "_tel_number_", "telephone", "e_mail", "email", "_fax_",
               "wechat", "contact"),
        "zh": ("电话", "手机", "联系", "邮箱", "邮件", "微信"),
        "zh-Hant": ("電話", "手機", "聯絡", "聯繫", "郵件", "電郵", "信箱"),
        "ja": ("電話", "携帯", "メール", "連絡先"),
        "ko": ("전화", "휴대폰", "핸드폰", "연락처", "이메일"),
        "vi": ("dien_thoai", "_sdt_", "thu_dien_tu", "lien_he"),
        "ru": ("телефон", "_тел_", "мобильный", "почта", "e_mail"),
        "fr": ("telephone", "portable", "courriel"),
        "de": ("telefon", "handy", "mobilnummer"),
        "es": ("telefono", "movil", "celular", "correo"),
        "it": ("telefono", "cellulare"),
        "pt": ("telefone", "celular"),
        "nl": ("telefoon", "mobiel"),
    },
    "an address": {
        "en": ("address", "street", "_zip_", "zip_code", "postcode", "post_code", "postal"),
        "zh": ("住址", "地址", "邮编"),
        "zh-Hant": ("住址", "地址", "郵遞區號"),
        "ja": ("住所", "郵便番号"),
        "ko": ("주소", "우편번호"),
        "vi": ("dia_chi",),
        "ru": ("адрес", "_индекс_"),
        "fr": ("adresse", "code_postal", "_rue_"),
        "de": ("adresse", "anschrift", "strasse", "_plz_", "postleitzahl", "wohnort"),
        "es": ("direccion", "domicilio", "codigo_postal"),
        "it": ("indirizzo", "=cap", "residenza"),
        "pt": ("endereco", "_cep_", "morada"),
        "nl": ("adres", "woonplaats"),
    },
    "a record or ID number": {
        "en": ("mrn", "_ssn_", "passport", "national_id", "nationalid", "id_card", "idcard", "identity",
               "insurance_no", "insurance_number", "insurance_id", "record_no", "record_nr", "record_number",
               "record_num", "record_id", "medical_record", "hospital_no", "hospital_nr", "hospital_number",
               "hospital_id", "admission_no", "admission_nr", "admission_number", "admission_id", "inpatient_no",
               "inpatient_number", "inpatient_id", "outpatient_no", "outpatient_number", "outpatient_id",
               "_case_no_", "case_number", "case_id", "chart_no", "chart_number", "chart_id", "visit_no",
               "visit_number", "visit_id"),
        "zh": ("身份证", "证件", "医保", "住院号", "病案号", "门诊号", "病历号", "就诊号", "登记号", "床号"),
        "zh-Hant": ("身分證", "身份證", "證件", "健保", "住院號", "病案號", "門診號", "病歷號", "病歷", "掛號",
                    "床號"),
        "ja": ("カルテ", "診察券", "患者番号", "患者id", "保険証", "マイナンバー", "個人番号"),
        "ko": ("주민등록", "주민번호", "병록번호", "등록번호", "차트번호", "환자번호"),
        "vi": ("cmnd", "cccd", "can_cuoc", "so_ho_so", "ma_ho_so", "ma_benh_nhan", "so_benh_an", "bhyt",
               "bao_hiem"),
        "ru": ("снилс", "паспорт", "полис", "_инн_", "история_болезни", "истории_болезни", "номер_карты",
               "медицинская_карта", "медицинской_карты"),
        "fr": ("_ipp_", "_nip_", "_nir_", "_dossier_", "securite_sociale", "carte_vitale"),
        "de": ("fallnummer", "patientennummer", "versichertennummer", "versicherungsnummer", "ausweis"),
        "es": ("_dni_", "_nie_", "_nhc_", "historia_clinica", "_curp_", "cedula", "_rut_"),
        "it": ("codice_fiscale", "cartella", "tessera_sanitaria"),
        "pt": ("_cpf_", "_rg_", "prontuario", "cartao_sus"),
        "nl": ("_bsn_", "patientnummer"),
    },
    "a calendar date": {
        "en": ("date", "birth", "_dob_", "_dt_", "datetime", "timestamp", "admitted", "discharged"),
        "zh": ("出生", "生日", "日期", "年月日", "入院", "出院"),
        "zh-Hant": ("出生", "生日", "日期", "入院", "出院"),
        "ja": ("生年月日", "誕生日", "日付", "入院日", "退院日", "年月日"),
        "ko": ("생년월일", "날짜", "일자", "입원일", "퇴원일"),
        "vi": ("_ngay_", "ngay_sinh", "nam_sinh", "ngay_nhap_vien", "ngay_ra_vien"),
        "ru": ("дата", "рождения"),
        "fr": ("naissance", "_ne_le_"),
        "de": ("datum", "geburt", "aufnahmetag"),
        "es": ("fecha", "nacimiento"),
        "it": ("data_di_nascita", "data_nascita", "data_ricovero", "nascita"),
        "pt": ("data_de_nascimento", "data_nascimento", "nascimento"),
        "nl": ("geboortedatum", "datum"),
    },
}


def header_key(name: str) -> str:
    """A heading as a person reads it: lower case, outer spaces dropped, spaces/hyphens as '_', accents of Latin
    letters dropped (CJK, Hangul and Cyrillic kept as written)."""
    key = re.sub(r"[\s\-]+", "_", str(name).strip()).casefold().replace("đ", "d")
    out: list = []
    for ch in unicodedata.normalize("NFKD", key):
        if unicodedata.category(ch) == "Mn" and out and out[-1] < "\u0250":
            continue  # a combining accent on a Latin letter
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _word(w: str) -> str:
    if w.startswith("="):
        return "^" + re.escape(w[1:]) + "$"
    if w.startswith("_") and w.endswith("_"):
        return r"(?:^|_)" + re.escape(w[1:-1]) + r"(?:_|$)"
    return re.escape(w)


_HEADER_RE = tuple((kind, re.compile("|".join(_word(w) for words in langs.values() for w in words)))
                   for kind, langs in HEADER_WORDS.items())


def header_identifier_kind(name: str) -> str | None:
    """What a column heading looks like (``'a name'``, ``'a calendar date'``, …) or None."""
    key = header_key(name)
    for kind, rx in _HEADER_RE:
        if rx.search(key):
            return kind
    return None


# ------------------------------------------------------------------------------------------------------------
# Value patterns
# ------------------------------------------------------------------------------------------------------------
#: Month names (full, then abbreviations) per language, as written (accents kept; matching ignores case).
MONTHS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december"), ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                                      "nov", "dec")),
    "fr": (("janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout",
            "septembre", "octobre", "novembre", "décembre", "decembre"),
           ("janv", "févr", "fevr", "avr", "juil", "déc")),
    "de": (("januar", "jänner", "februar", "märz", "maerz", "april", "mai", "juni", "juli", "august",
            "september", "oktober", "november", "dezember"), ("mär", "mrz", "okt", "dez")),
    "es": (("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
            "octubre", "noviembre", "diciembre"), ("ene", "abr", "ago", "dic")),
    "it": (("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
            "ottobre", "novembre", "dicembre"), ("gen", "mag", "giu", "lug", "set", "ott")),
    "pt": (("janeiro", "fevereiro", "março", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro",
            "outubro", "novembro", "dezembro"), ("fev", "out", "dez")),
    "nl": (("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
            "november", "december"), ("mrt",)),
    "ru": (("январь", "января", "февраль", "февраля", "март", "марта", "апрель", "апреля", "май", "мая", "июнь",
            "июня", "июль", "июля", "август", "августа", "сентябрь", "сентября", "октябрь", "октября", "ноябрь",
            "ноября", "декабрь", "декабря"), ("янв", "фев", "апр", "авг", "сен", "окт", "ноя", "дек")),
}
_ALL_MONTHS = sorted({m for full, abbr in MONTHS.values() for m in full + abbr}, key=len, reverse=True)
_FULL_MONTHS = sorted({m for full, _ in MONTHS.values() for m in full} - {"may"}, key=len, reverse=True)
_MON = "(?:" + "|".join(map(re.escape, _ALL_MONTHS)) + ")"
_FULL = "(?:" + "|".join(map(re.escape, _FULL_MONTHS)) + ")"
_YEAR = r"(?:19|20)\d\d"
_MM, _DD = r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
_CN = "〇零○一二三四五六七八九十"

#: (kind, what, pattern) — the first that matches names the kind. ``ids``: also checked in study-id columns.
VALUE_PATTERNS: tuple[tuple[str, str, str, bool], ...] = (
    ("an e-mail address", "e-mail", r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}", True),
    # --- calendar dates ---
    ("a calendar date", "ISO, year first", rf"(?<!\d){_YEAR}[-/.]{_MM}[-/.]{_DD}(?!\d)", True),
    ("a calendar date", "day and month first, 4-digit year", rf"(?<!\d){_DD}[-/.]{_DD}[-/.]{_YEAR}(?!\d)", True),
    ("a calendar date", "day and month first, 2-digit year", rf"(?<![\d.,]){_DD}([-/.]){_DD}\1\d\d(?![\d.,])",
     True),
    ("a calendar date", "year and month", rf"(?<![0-9A-Za-z]){_YEAR}[-/.](?:0[1-9]|1[0-2])(?![\d/.-])", True),
    ("a calendar date", "compact ISO", rf"(?<![0-9A-Za-z]){_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)",
     True),
    ("a calendar date", "Chinese / Japanese", rf"{_YEAR}\s*年\s*\d{{1,2}}\s*月", True),
    ("a calendar date", "Chinese / Japanese month and day", r"(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号號]", True),
    ("a calendar date", "Chinese numerals", rf"[{_CN}]{{2,4}}\s*年\s*[{_CN}]{{1,3}}\s*月", True),
    ("a calendar date", "Chinese numerals, month and day", rf"[{_CN}]{{1,3}}\s*月\s*[{_CN}]{{1,3}}\s*[日号號]",
     True),
    ("a calendar date", "Japanese era", r"(?:令和|平成|昭和)\s*(?:\d{1,2}|元)\s*年", True),
    ("a calendar date", "Korean", rf"(?:{_YEAR}\s*년\s*\d{{1,2}}\s*월|\d{{1,2}}\s*월\s*\d{{1,2}}\s*일)", True),
    ("a calendar date", "dotted with spaces", rf"(?<!\d){_YEAR}\.\s+\d{{1,2}}\.\s+\d{{1,2}}", True),
    ("a calendar date", "Vietnamese", r"(?:ngày|ngay)\s+\d{1,2}\s+(?:tháng|thang)\s+\d{1,2}|(?:tháng|thang)\s+"
     r"\d{1,2}\s*(?:năm|nam|/)\s*(?:19|20)\d\d", True),
    ("a calendar date", "day, month name, year",
     rf"(?<!\w)\d{{1,2}}(?:\.|er|st|nd|rd|th|º|ª)?[\s-]*(?:de\s+)?{_MON}\.?(?:[\s,-]+(?:de\s+)?|,\s*)"
     rf"(?:{_YEAR}|\d\d)(?!\w)", True),
    ("a calendar date", "month name, year", rf"(?<!\w){_MON}\.?,?\s+(?:de\s+)?{_YEAR}(?!\w)", True),
    ("a calendar date", "month name, day, year",
     rf"(?<!\w){_MON}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\w)", True),
    ("a calendar date", "year, month name", rf"(?<!\w){_YEAR}[\s-]+{_MON}(?!\w)", True),
    ("a calendar date", "day and full month name", rf"(?<!\w)\d{{1,2}}(?:\.|er|º|ª)?\s*(?:de\s+)?{_FULL}(?!\w)",
     True),
    # --- national ID numbers ---
    ("a national ID number", "Chinese resident ID (18 characters)",
     r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
     r"(?![0-9A-Za-z])", True),
    ("a national ID number", "Korean resident number", r"(?<!\d)\d{6}-[1-4]\d{6}(?!\d)", True),
    ("a national ID number", "US social security number", r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", True),
    # --- phone numbers ---
    ("a phone number", "international", r"(?<![\w+])\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}"
     r"(?:[\s.-]?\d{2,4}){1,4}(?!\w)", True),
    ("a phone number", "Chinese mobile", r"(?<![\d.])1[3-9]\d{9}(?![\d.])", True),
    ("a phone number", "grouped, trunk prefix 0", r"(?<![\d.])\(?0\d{1,4}\)?[\s-]\d{3,4}[\s-]?\d{3,4}(?![\d.])",
     True),
    ("a phone number", "French", r"(?<![\d.])0[1-9](?:[\s.]\d\d){4}(?![\d.])", True),
    ("a phone number", "North American", r"(?<![\d.])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\d.])", True),
    ("a phone number", "labelled", r"(?:\btel\b|phone|mobile|手机|电话|電話|携帯|전화|телефон|\bsđt\b)\W{0,3}"
     r"\+?\d[\d\s.-]{5,}", True),
    # --- record numbers (text columns only: a study id may be a letter and any digits) ---
    ("a record number", "labelled", r"(?:\bmrn\b|\bmr\s*no\b|\brecord\b|\bhospital\s*(?:no|number)\b|"
     r"\bcase\s*no\b|\bchart\b|\bipp\b|\bnhc\b|住院号|病案号|门诊号|病历号|就诊号|住院號|病歷號|門診號|カルテ|"
     r"병록번호|등록번호)[\s:：#№.\-]*[A-Za-z]{0,3}\d{3,}", False),
    ("a record number", "six or more digits", r"(?<![\d.,])\d{6,}(?![\d]|[.,]\d)", False),
)

_COMPILED = tuple((kind, re.compile(p, flags=re.IGNORECASE), ids) for kind, _, p, ids in VALUE_PATTERNS)
#: Every pattern holds a digit, '@', 年 or 月: a cheap first look that rules out most texts (codes, terms).
_HINT = re.compile(r"[\d@年月]")
#: Every pattern at once (for an id column, those that apply there): one scan says whether any pattern can
#: match; only then is each tried in turn to name the kind (most texts, ids and numbers, match none).
_ANY = {id_column: re.compile("|".join(f"(?:{p})" for _, _, p, ids in VALUE_PATTERNS if ids or not id_column),
                              flags=re.IGNORECASE) for id_column in (False, True)}
DATE_PATTERNS = tuple(p for kind, _, p, _ in VALUE_PATTERNS if kind == "a calendar date")
_DATES = tuple(rx for kind, rx, _ in _COMPILED if kind == "a calendar date")


def has_date(text: str) -> bool:
    """Whether a text holds a calendar date in any of the formats of :data:`DATE_PATTERNS`."""
    return bool(_HINT.search(text)) and any(rx.search(text) for rx in _DATES)


def value_identifier_kind(text: str, *, id_column: bool = False) -> str | None:
    """What a cell's text holds (``'a calendar date'``, ``'a phone number'``, …), or None."""
    text = str(text)
    if not _HINT.search(text) or not _ANY[id_column].search(text):
        return None
    for kind, rx, ids in _COMPILED:
        if not ids and id_column:
            continue
        for m in rx.finditer(text):
            # a phone number has at least 7 digits ('+2 5 10' is not one)
            if kind != "a phone number" or sum(ch.isdigit() for ch in m.group()) >= 7:
                return kind
    return None

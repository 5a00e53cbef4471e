"""Writes the bad-input corpus: one folder per malformed or unusually spelled cohort, each a few lines, with
``expected.json``: the exit code of ``dttstudy validate`` and the file / row / column / words one line of its
report must contain. A *forgiving* case (exit 0: an unambiguous spelling read and noted) also carries ``clean``:
the cells to set in the minimal cohort to obtain the clean twin whose analysis it must reproduce exactly.
Run from the project root:

    .venv/bin/python tests/bad_inputs/make_corpus.py
"""
from __future__ import annotations

import copy
import datetime
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import MINIMAL, add_column, add_row, chain, drop_column, setcell, write_cohort  # noqa: E402

P, T, V, A = "patients.csv", "treatments.csv", "visits.csv", "adverse_events.csv"

# name: (mutation of the minimal tables, expected exit code, file, row, column, words in the message)
CASES = {
    "missing_required_column": (drop_column("visits", "on_dtt"), 1, V, 1, "on_dtt", "required column"),
    "unknown_column_warns": (add_column("patients", "smoking", "yes"), 0, P, 1, "smoking", "unknown column"),
    "text_in_score": (setcell("visits", 0, "partial_mayo", "seven"), 1, V, 2, "partial_mayo", "must be a number"),
    "text_in_crp": (setcell("visits", 2, "crp", "<5"), 1, V, 4, "crp", "must be a number"),
    "negative_hbi": (setcell("visits", 2, "hbi", "-2"), 1, V, 4, "hbi", "between 0"),
    "partial_mayo_out_of_range": (setcell("visits", 1, "partial_mayo", "11"), 1, V, 3, "partial_mayo",
                                  "between 0 and 9"),
    "mes_out_of_range": (setcell("visits", 0, "mes", "5"), 1, V, 2, "mes", "between 0 and 3"),
    "negative_crp": (setcell("visits", 1, "crp", "-1"), 1, V, 3, "crp", "between 0"),
    "albumin_in_g_per_dl": (setcell("visits", 0, "albumin", "3.8"), 1, V, 2, "albumin", "between 10 and 60"),
    "boolean_spelled_oddly": (setcell("treatments", 0, "steroid_at_start", "perhaps"), 1, T, 2,
                              "steroid_at_start", "true or false"),
    "duplicate_patient_id": (add_row("patients"), 1, P, 4, "patient_id", "duplicate"),
    "duplicate_patient_month": (add_row("visits"), 1, V, 6, "patient_id+month", "duplicate"),
    "orphan_visit": (add_row("visits", patient_id="Z9"), 1, V, 6, "patient_id", "unknown patient"),
    "orphan_adverse_event": (add_row("adverse_events", patient_id="Z9"), 1, A, 3, "patient_id", "unknown patient"),
    "patient_without_treatment": (lambda t: t["treatments"].pop(0), 1, P, 2, "patient_id", "no row in treatments"),
    "patient_without_baseline": (setcell("visits", 0, "month", "0.25"), 1, P, 2, "patient_id", "no month-0"),
    "hbi_for_uc_patient": (setcell("visits", 1, "hbi", "4"), 1, V, 3, "hbi", "CD score"),
    "mayo_for_cd_patient": (setcell("visits", 3, "partial_mayo", "2"), 1, V, 5, "partial_mayo", "UC score"),
    "ae_onset_before_start": (setcell("adverse_events", 0, "onset_month", "-1"), 1, A, 2, "onset_month",
                              "between 0"),
    "ae_onset_after_follow_up": (setcell("adverse_events", 0, "onset_month", "30"), 1, A, 2, "onset_month",
                                 "after the last follow-up"),
    "discontinued_without_reason": (setcell("treatments", 1, "stop_reason", ""), 1, T, 3, "stop_reason",
                                    "needs a stop_reason"),
    "maintained_with_reason": (setcell("treatments", 0, "stop_reason", "no_response"), 1, T, 2, "stop_reason",
                               "must be empty"),
    "same_agent_twice": (setcell("treatments", 1, "agent_2", "VDZ"), 1, T, 3, "agent_2", "must differ"),
    "visit_before_month_0": (setcell("visits", 3, "month", "-3"), 1, V, 5, "month", "between 0"),
    "name_column": (add_column("patients", "full_name", "x"), 1, P, 1, "full_name", "direct identifier"),
    "date_of_birth_column": (add_column("patients", "date_of_birth", "1990-01-01"), 1, P, 1, "date_of_birth",
                             "direct identifier"),
    "medical_record_number_column": (add_column("treatments", "MRN", "123"), 1, T, 1, "MRN", "direct identifier"),
    "wrong_montreal": (setcell("patients", 1, "montreal", "E2"), 1, P, 3, "montreal", "Montreal"),
    # --- identifier-like column names, English and Chinese: refused ---
    "identifier_zhuyuanhao": (add_column("patients", "住院号", "1234567"), 1, P, 1, "住院号", "direct identifier"),
    "identifier_xingming": (add_column("patients", "姓名", "x"), 1, P, 1, "姓名", "direct identifier (a name)"),
    "identifier_shenfenzheng": (add_column("patients", "身份证号", "x"), 1, P, 1, "身份证号", "direct identifier"),
    "identifier_bingan": (add_column("treatments", "病案号", "x"), 1, T, 1, "病案号", "direct identifier"),
    "identifier_menzhen": (add_column("visits", "门诊号", "x"), 1, V, 1, "门诊号", "direct identifier"),
    "identifier_dianhua": (add_column("patients", "电话", "x"), 1, P, 1, "电话", "contact details"),
    "identifier_zhuzhi": (add_column("patients", "住址", "x"), 1, P, 1, "住址", "an address"),
    "identifier_e_mail": (add_column("patients", "e_mail", "x"), 1, P, 1, "e_mail", "contact details"),
    "identifier_tel": (add_column("patients", "tel", "x"), 1, P, 1, "tel", "contact details"),
    "identifier_phone": (add_column("patients", "Phone number", "x"), 1, P, 1, "Phone number",
                         "contact details"),
    "identifier_initials": (add_column("patients", "initials", "x"), 1, P, 1, "initials", "initials"),
    "identifier_address": (add_column("patients", "home address", "x"), 1, P, 1, "home address", "an address"),
    "identifier_admitted_on": (add_column("visits", "admitted_on", "x"), 1, V, 1, "admitted_on", "calendar date"),
    "identifier_visit_date": (add_column("visits", "visit_date", "x"), 1, V, 1, "visit_date", "calendar date"),
    "identifier_chusheng_riqi": (add_column("patients", "出生日期", "x"), 1, P, 1, "出生日期", "calendar date"),
    "identifier_id_card": (add_column("patients", "ID card", "x"), 1, P, 1, "ID card", "record or ID number"),
    "identifier_admission_number": (add_column("adverse_events", "admission_no", "x"), 1, A, 1, "admission_no",
                                    "record or ID number"),
    "identifier_patient_name_ae": (add_column("adverse_events", "Patient Name", "x"), 1, A, 1, "Patient Name",
                                   "a name"),
    # --- calendar dates in free text: refused ---
    "date_iso_in_ae_term": (setcell("adverse_events", 0, "term", "herpes zoster 2023-03-14"), 1, A, 2, "term",
                            "calendar date"),
    "date_dmy_in_next_therapy": (setcell("treatments", 1, "next_therapy", "UST from 14/03/2023"), 1, T, 3,
                                 "next_therapy", "calendar date"),
    "date_chinese_in_autoimmune": (setcell("patients", 1, "autoimmune_disease", "银屑病 2023年3月14日"), 1, P, 3,
                                   "autoimmune_disease", "calendar date"),
    "date_month_name_in_center": (setcell("patients", 0, "center", "A (March 2023)"), 1, P, 2, "center",
                                  "calendar date"),
    "date_day_month_name_in_term": (setcell("adverse_events", 0, "term", "zoster, 14 Mar 2023"), 1, A, 2, "term",
                                    "calendar date"),
    "date_in_montreal": (setcell("patients", 1, "montreal", "L3 B2 p (2021-01)"), 1, P, 3, "montreal",
                         "calendar date"),
    "date_as_patient_id": (chain(setcell("patients", 0, "patient_id", "2023-03-14"),
                                 setcell("treatments", 0, "patient_id", "2023-03-14")), 1, P, 2, "patient_id",
                           "calendar date"),
    "date_chinese_month_day_in_term": (setcell("adverse_events", 0, "term", "带状疱疹 3月14日"), 1, A, 2, "term",
                                       "calendar date"),
    # --- identifiers inside text cells, by pattern (dttstudy/intake/identifiers.py): refused ---
    "phone_in_ae_term": (setcell("adverse_events", 0, "term", "herpes zoster, call 13812345678"), 1, A, 2, "term",
                         "looks like a phone number"),
    "phone_international_in_next_therapy": (setcell("treatments", 1, "next_therapy", "UST, +49 30 1234567"), 1, T,
                                            3, "next_therapy", "looks like a phone number"),
    "phone_grouped_in_center": (setcell("patients", 0, "center", "A 010-12345678"), 1, P, 2, "center",
                                "looks like a phone number"),
    "phone_as_patient_id": (chain(setcell("patients", 0, "patient_id", "13812345678"),
                                  setcell("treatments", 0, "patient_id", "13812345678")), 1, P, 2, "patient_id",
                            "looks like a phone number"),
    "resident_id_in_autoimmune": (setcell("patients", 1, "autoimmune_disease", "psoriasis 11010519491231002X"), 1,
                                  P, 3, "autoimmune_disease", "looks like a national ID number"),
    "record_number_labelled_in_term": (setcell("adverse_events", 0, "term", "zoster MRN 1234567"), 1, A, 2, "term",
                                       "looks like a record number"),
    "record_number_chinese_in_term": (setcell("adverse_events", 0, "term", "带状疱疹 住院号 0012345"), 1, A, 2,
                                      "term", "looks like a record number"),
    "record_number_digits_in_next_therapy": (setcell("treatments", 1, "next_therapy", "UST 12345678"), 1, T, 3,
                                             "next_therapy", "looks like a record number"),
    "email_in_term": (setcell("adverse_events", 0, "term", "rash, report to dr.li@hospital.cn"), 1, A, 2, "term",
                      "looks like an e-mail address"),
    "date_dd_mm_yy_in_term": (setcell("adverse_events", 0, "term", "zoster 14.03.23"), 1, A, 2, "term",
                              "calendar date"),
    "date_compact_iso_in_next_therapy": (setcell("treatments", 1, "next_therapy", "UST since 20230314"), 1, T, 3,
                                         "next_therapy", "calendar date"),
    "date_chinese_numerals_in_term": (setcell("adverse_events", 0, "term", "带状疱疹 二〇二三年三月十四日"), 1, A, 2,
                                      "term", "calendar date"),
    "date_german_month_in_autoimmune": (setcell("patients", 1, "autoimmune_disease", "Psoriasis seit 14. März 2023"),
                                        1, P, 3, "autoimmune_disease", "calendar date"),
    "date_french_month_in_term": (setcell("adverse_events", 0, "term", "zona le 14 mars 2023"), 1, A, 2, "term",
                                  "calendar date"),
    "date_spanish_month_in_term": (setcell("adverse_events", 0, "term", "herpes zóster 14 de marzo de 2023"), 1, A,
                                   2, "term", "calendar date"),
    "date_italian_month_in_next_therapy": (setcell("treatments", 1, "next_therapy", "UST dal 3 settembre 2022"), 1,
                                           T, 3, "next_therapy", "calendar date"),
    "date_portuguese_month_in_autoimmune": (setcell("patients", 1, "autoimmune_disease", "psoríase desde março de "
                                                    "2023"), 1, P, 3, "autoimmune_disease", "calendar date"),
    "date_dutch_month_in_term": (setcell("adverse_events", 0, "term", "gordelroos 14 maart 2023"), 1, A, 2, "term",
                                 "calendar date"),
    "date_russian_month_in_term": (setcell("adverse_events", 0, "term", "опоясывающий лишай 14 марта 2023"), 1, A,
                                   2, "term", "calendar date"),
    "date_korean_in_term": (setcell("adverse_events", 0, "term", "대상포진 2023년 3월 14일"), 1, A, 2, "term",
                            "calendar date"),
    "date_japanese_era_in_term": (setcell("adverse_events", 0, "term", "帯状疱疹 令和5年3月14日"), 1, A, 2, "term",
                                  "calendar date"),
    "date_vietnamese_in_term": (setcell("adverse_events", 0, "term", "zona ngày 14 tháng 3"), 1, A, 2, "term",
                                "calendar date"),
    # --- identifier headers in more languages: refused, not ignored ---
    "identifier_fr_nom": (add_column("patients", "Nom", "x"), 1, P, 1, "Nom", "direct identifier (a name)"),
    "identifier_fr_date_de_naissance": (add_column("patients", "Date de naissance", "x"), 1, P, 1,
                                        "Date de naissance", "direct identifier (a calendar date)"),
    "identifier_fr_telephone": (add_column("patients", "Téléphone", "x"), 1, P, 1, "Téléphone",
                                "direct identifier (contact details)"),
    "identifier_ja_shimei": (add_column("patients", "氏名", "x"), 1, P, 1, "氏名", "direct identifier (a name)"),
    "identifier_ja_karte": (add_column("visits", "カルテ番号", "x"), 1, V, 1, "カルテ番号",
                            "direct identifier (a record or ID number)"),
    "identifier_ru_fio": (add_column("patients", "ФИО", "x"), 1, P, 1, "ФИО", "direct identifier (a name)"),
    "identifier_ru_data_rozhdeniya": (add_column("patients", "Дата рождения", "x"), 1, P, 1, "Дата рождения",
                                      "direct identifier (a calendar date)"),
    "identifier_ko_ireum": (add_column("patients", "이름", "x"), 1, P, 1, "이름", "direct identifier (a name)"),
    "identifier_ko_jumin": (add_column("patients", "주민등록번호", "x"), 1, P, 1, "주민등록번호",
                            "direct identifier (a record or ID number)"),
    "identifier_zh_hant_bingli": (add_column("treatments", "病歷號", "x"), 1, T, 1, "病歷號",
                                  "direct identifier (a record or ID number)"),
    "identifier_zh_hant_dianhua": (add_column("patients", "電話", "x"), 1, P, 1, "電話",
                                   "direct identifier (contact details)"),
    "identifier_vi_ho_ten": (add_column("patients", "Họ tên", "x"), 1, P, 1, "Họ tên", "direct identifier (a name)"),
    "identifier_vi_so_dien_thoai": (add_column("patients", "Số điện thoại", "x"), 1, P, 1, "Số điện thoại",
                                    "direct identifier (contact details)"),
    "identifier_de_geburtsdatum": (add_column("patients", "Geburtsdatum", "x"), 1, P, 1, "Geburtsdatum",
                                   "direct identifier (a calendar date)"),
    "identifier_es_historia_clinica": (add_column("visits", "Historia clínica", "x"), 1, V, 1, "Historia clínica",
                                       "direct identifier (a record or ID number)"),
    "identifier_it_codice_fiscale": (add_column("patients", "Codice fiscale", "x"), 1, P, 1, "Codice fiscale",
                                     "direct identifier (a record or ID number)"),
    "identifier_pt_prontuario": (add_column("patients", "Prontuário", "x"), 1, P, 1, "Prontuário",
                                 "direct identifier (a record or ID number)"),
    "identifier_nl_achternaam": (add_column("patients", "Achternaam", "x"), 1, P, 1, "Achternaam",
                                 "direct identifier (a name)"),
    # --- spreadsheet error values: refused, never read as missing ---
    "excel_error_div0_in_crp": (setcell("visits", 1, "crp", "#DIV/0!"), 1, V, 3, "crp", "#DIV/0!"),
    "excel_error_na_in_sex": (setcell("patients", 1, "sex", "#N/A"), 1, P, 3, "sex", "#N/A"),
    "excel_error_value_in_month": (setcell("visits", 2, "month", "#VALUE!"), 1, V, 4, "month", "#VALUE!"),
    "excel_error_ref_in_term": (setcell("adverse_events", 0, "term", "#REF!"), 1, A, 2, "term", "#REF!"),
    "excel_error_name_in_agent": (setcell("treatments", 0, "agent_1", "#NAME?"), 1, T, 2, "agent_1", "#NAME?"),
    "excel_error_in_optional_cell": (setcell("treatments", 0, "steroid_stop_month", "#N/A"), 1, T, 2,
                                     "steroid_stop_month", "spreadsheet error value"),
    # --- other bad input ---
    "next_therapy_on_maintained_course": (setcell("treatments", 0, "next_therapy", "VDZ"), 1, T, 2, "next_therapy",
                                          "must be empty when status is 'maintained'"),
    "free_text_too_long_term": (setcell("adverse_events", 0, "term", "rash " * 50), 1, A, 2, "term",
                                "longer than 200 characters"),
    "free_text_too_long_autoimmune": (setcell("patients", 1, "autoimmune_disease", "p" * 5000), 1, P, 3,
                                      "autoimmune_disease", "longer than 200 characters"),
    "free_text_too_long_next_therapy": (setcell("treatments", 1, "next_therapy", "x" * 201), 1, T, 3,
                                        "next_therapy", "longer than 200 characters"),
    "id_with_inner_space": (setcell("patients", 0, "patient_id", "U 1"), 1, P, 2, "patient_id", "study id"),
    "missing_marker_in_required_number": (setcell("visits", 1, "month", "NA"), 1, V, 3, "month",
                                          "must be a number"),
    "missing_marker_in_required_code": (setcell("patients", 0, "sex", "NA"), 1, P, 2, "sex", "must be one of"),
    # --- ambiguous spellings: never guessed, an error with "did you mean" where one spelling is close ---
    "drug_misspelt": (setcell("treatments", 0, "agent_1", "Stelarra"), 1, T, 2, "agent_1",
                      "did you mean UST (ustekinumab)"),
    "drug_generic_misspelt": (setcell("treatments", 1, "agent_1", "vedolizumap"), 1, T, 3, "agent_1",
                              "did you mean VDZ (vedolizumab)"),
    "drug_class_not_an_agent": (setcell("treatments", 1, "agent_2", "anti-TNF"), 1, T, 3, "agent_2",
                                "must be one of"),
    "drug_two_agents_in_one_cell": (setcell("treatments", 0, "agent_1", "UST+TOF"), 1, T, 2, "agent_1",
                                    "must be one of"),
    "disease_ibd_unclassified": (setcell("patients", 0, "disease", "IBD-U"), 1, P, 2, "disease",
                                 "must be one of"),
    "disease_near_miss": (setcell("patients", 0, "disease", "UCC"), 1, P, 2, "disease", "did you mean UC"),
    "sex_unknown_code": (setcell("patients", 0, "sex", "X"), 1, P, 2, "sex", "must be one of"),
    "montreal_without_behaviour": (setcell("patients", 1, "montreal", "L3"), 1, P, 3, "montreal", "Montreal"),
    "montreal_uc_extent_unknown": (setcell("patients", 0, "montreal", "E4"), 1, P, 2, "montreal", "Montreal"),
    "suspected_agent_not_in_regimen_by_brand": (setcell("adverse_events", 0, "suspected_agent", "Stelara"), 1, A,
                                                2, "suspected_agent", "'both' or 'unknown'"),
}

# Forgiving cases: name -> (messy cells, clean cells, file, row, column, words). Cells are (table, row, column,
# value) set in the minimal cohort; the clean twin starts from the same minimal cohort with ``clean`` cells set.
FORGIVING = {
    "agent_mixed_case": ([("treatments", 0, "agent_1", "Ust")], [], T, 2, "agent_1", "read 'Ust' as 'UST'"),
    "drug_generic_lower_case": ([("treatments", 0, "agent_1", "ustekinumab")], [], T, 2, "agent_1",
                                "read 'ustekinumab' as 'UST'"),
    "drug_brand_stelara": ([("treatments", 0, "agent_1", "Stelara")], [], T, 2, "agent_1", "read 'Stelara' as 'UST'"),
    "drug_generic_capitalised": ([("treatments", 1, "agent_1", "Vedolizumab")], [], T, 3, "agent_1",
                                 "read 'Vedolizumab' as 'VDZ'"),
    "drug_brand_entyvio": ([("treatments", 1, "agent_1", "Entyvio")], [], T, 3, "agent_1",
                           "read 'Entyvio' as 'VDZ'"),
    "drug_brand_remicade": ([("treatments", 1, "agent_1", "Remicade")], [("treatments", 1, "agent_1", "IFX")], T, 3,
                            "agent_1", "read 'Remicade' as 'IFX'"),
    "drug_biosimilar_ct_p13": ([("treatments", 1, "agent_1", "CT-P13")], [("treatments", 1, "agent_1", "IFX")], T,
                               3, "agent_1", "read 'CT-P13' as 'IFX'"),
    "drug_generic_upper_case": ([("treatments", 1, "agent_1", "INFLIXIMAB")], [("treatments", 1, "agent_1", "IFX")],
                                T, 3, "agent_1", "read 'INFLIXIMAB' as 'IFX'"),
    "drug_brand_humira": ([("treatments", 1, "agent_2", "Humira")], [], T, 3, "agent_2", "read 'Humira' as 'ADA'"),
    "drug_brand_xeljanz": ([("treatments", 0, "agent_2", "Xeljanz")], [], T, 2, "agent_2",
                           "read 'Xeljanz' as 'TOF'"),
    "drug_brand_rinvoq": ([("treatments", 0, "agent_2", "Rinvoq")], [("treatments", 0, "agent_2", "UPA")], T, 2,
                          "agent_2", "read 'Rinvoq' as 'UPA'"),
    "drug_brand_skyrizi": ([("treatments", 0, "agent_1", "Skyrizi")], [("treatments", 0, "agent_1", "RZB")], T, 2,
                           "agent_1", "read 'Skyrizi' as 'RZB'"),
    "drug_brand_tremfya": ([("treatments", 0, "agent_1", "TREMFYA")], [("treatments", 0, "agent_1", "GUS")], T, 2,
                           "agent_1", "read 'TREMFYA' as 'GUS'"),
    "drug_brand_zeposia": ([("treatments", 0, "agent_2", "zeposia")], [("treatments", 0, "agent_2", "OZA")], T, 2,
                           "agent_2", "read 'zeposia' as 'OZA'"),
    "drug_brand_omvoh": ([("treatments", 0, "agent_1", "Omvoh")], [("treatments", 0, "agent_1", "MIR")], T, 2,
                         "agent_1", "read 'Omvoh' as 'MIR'"),
    "drug_chinese_generic_name": ([("treatments", 0, "agent_1", "乌司奴单抗")], [], T, 2, "agent_1",
                                  "read '乌司奴单抗' as 'UST'"),
    "drug_code_lower_case": ([("treatments", 1, "agent_2", "ada")], [], T, 3, "agent_2", "read 'ada' as 'ADA'"),
    "drug_code_with_spaces": ([("treatments", 1, "agent_1", " VDZ ")], [], T, 3, "agent_1",
                              "read ' VDZ ' as 'VDZ'"),
    "suspected_agent_by_brand": ([("adverse_events", 0, "suspected_agent", "Humira")], [], A, 2, "suspected_agent",
                                 "read 'Humira' as 'ADA'"),
    "suspected_agent_both_capitalised": ([("adverse_events", 0, "suspected_agent", "Both")],
                                         [("adverse_events", 0, "suspected_agent", "both")], A, 2,
                                         "suspected_agent", "read 'Both' as 'both'"),
    "sex_spelled_out": ([("patients", 1, "sex", "male")], [], P, 3, "sex", "read 'male' as 'M'"),
    "sex_female_capitalised": ([("patients", 0, "sex", "Female")], [], P, 2, "sex", "read 'Female' as 'F'"),
    "sex_male_capitalised": ([("patients", 1, "sex", "Male")], [], P, 3, "sex", "read 'Male' as 'M'"),
    "sex_f_lower_case": ([("patients", 0, "sex", "f")], [], P, 2, "sex", "read 'f' as 'F'"),
    "sex_chinese_female": ([("patients", 0, "sex", "女")], [], P, 2, "sex", "read '女' as 'F'"),
    "sex_chinese_male": ([("patients", 1, "sex", "男")], [], P, 3, "sex", "read '男' as 'M'"),
    "disease_lower_case_with_space": ([("patients", 0, "disease", "uc ")], [], P, 2, "disease",
                                      "read 'uc ' as 'UC'"),
    "disease_spelled_out": ([("patients", 1, "disease", "Crohn's disease")], [], P, 3, "disease",
                            "as 'CD'"),
    "disease_chinese": ([("patients", 0, "disease", "溃疡性结肠炎")], [], P, 2, "disease",
                        "read '溃疡性结肠炎' as 'UC'"),
    "montreal_compact": ([("patients", 1, "montreal", "L3B2p")], [], P, 3, "montreal",
                         "read 'L3B2p' as 'L3 B2 p'"),
    "montreal_comma": ([("patients", 1, "montreal", "L3, B2 p")], [], P, 3, "montreal",
                       "read 'L3, B2 p' as 'L3 B2 p'"),
    "montreal_lower_case": ([("patients", 1, "montreal", "l3 b2 p")], [], P, 3, "montreal",
                            "read 'l3 b2 p' as 'L3 B2 p'"),
    "montreal_L3B1": ([("patients", 1, "montreal", "L3B1")], [("patients", 1, "montreal", "L3 B1")], P, 3,
                      "montreal", "read 'L3B1' as 'L3 B1'"),
    "montreal_L3B1p": ([("patients", 1, "montreal", "L3B1p")], [("patients", 1, "montreal", "L3 B1 p")], P, 3,
                       "montreal", "read 'L3B1p' as 'L3 B1 p'"),
    "montreal_L3_comma_B2": ([("patients", 1, "montreal", "L3, B2")], [("patients", 1, "montreal", "L3 B2")], P, 3,
                             "montreal", "read 'L3, B2' as 'L3 B2'"),
    "montreal_l3_b1_lower": ([("patients", 1, "montreal", "l3 b1")], [("patients", 1, "montreal", "L3 B1")], P, 3,
                             "montreal", "read 'l3 b1' as 'L3 B1'"),
    "montreal_uc_lower_case": ([("patients", 0, "montreal", "e3")], [], P, 2, "montreal", "read 'e3' as 'E3'"),
    "code_with_space_for_underscore": ([("treatments", 1, "stop_reason", "no response")], [], T, 3, "stop_reason",
                                       "read 'no response' as 'no_response'"),
    "code_capitalised_status": ([("treatments", 0, "status", "Maintained")], [], T, 2, "status",
                                "read 'Maintained' as 'maintained'"),
    "code_capitalised_outcome": ([("adverse_events", 0, "outcome", "Resolved")], [], A, 2, "outcome",
                                 "read 'Resolved' as 'resolved'"),
    "code_capitalised_surgery": ([("patients", 1, "abdominal_surgery", "Ileal")], [], P, 3, "abdominal_surgery",
                                 "read 'Ileal' as 'ileal'"),
    "patient_id_with_stray_spaces": ([("patients", 0, "patient_id", " U1 ")], [], P, 2, "patient_id",
                                     "read ' U1 ' as 'U1'"),
    "visit_id_with_trailing_space": ([("visits", 2, "patient_id", "C1 ")], [], V, 4, "patient_id",
                                     "read 'C1 ' as 'C1'"),
    "missing_NA_in_optional_number": ([("visits", 3, "hematocrit", "NA")], [], V, 5, "hematocrit",
                                      "read 'NA' as empty"),
    "missing_N_A_in_stop_reason": ([("treatments", 0, "stop_reason", "N/A")], [], T, 2, "stop_reason",
                                   "read 'N/A' as empty"),
    "missing_n_a_in_autoimmune": ([("patients", 0, "autoimmune_disease", "n.a.")], [], P, 2, "autoimmune_disease",
                                  "read 'n.a.' as empty"),
    "missing_dash_in_score": ([("visits", 0, "hbi", "-")], [], V, 2, "hbi", "read '-' as empty"),
    "missing_NULL_in_next_therapy": ([("treatments", 0, "next_therapy", "NULL")], [], T, 2, "next_therapy",
                                     "read 'NULL' as empty"),
}


def _cells(t, cells):
    for table, row, column, value in cells:
        t[table][row][column] = value


def _write_expected(folder, code, file, row, column, words, path=None, clean=None):
    e = {"exit": code, "file": file, "row": row, "column": column, "words": words}
    if path:
        e["path"] = path
    if clean is not None:
        e["clean"] = [list(c) for c in clean]
    (folder / "expected.json").write_text(json.dumps(e, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _rewrite(folder, name, fn, encoding="utf-8"):
    p = folder / name
    p.write_bytes(fn(p.read_text(encoding="utf-8")).encode(encoding))


def zipfile_ok(path):
    import zipfile

    return zipfile.is_zipfile(path)


def _stable(path):
    """Fixed timestamps inside a workbook, so regenerating the corpus leaves unchanged cases byte-identical."""
    import io
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<3>", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def main():
    import pandas as pd

    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    for name, (mutate, code, file, row, column, words) in CASES.items():
        t = copy.deepcopy(MINIMAL)
        mutate(t)
        _write_expected(write_cohort(HERE / name, t), code, file, row, column, words)
    for name, (messy, clean, file, row, column, words) in FORGIVING.items():
        t = copy.deepcopy(MINIMAL)
        _cells(t, messy)
        _write_expected(write_cohort(HERE / name, t), 0, file, row, column, words, clean=clean)

    def special(name, code, file, row, column, words, edit, cells=(), clean=None):
        t = copy.deepcopy(MINIMAL)
        _cells(t, cells)
        folder = write_cohort(HERE / name, t)
        edit(folder)
        _write_expected(folder, code, file, row, column, words, clean=clean)

    # --- clinical text that holds no identifier: read as written ---
    clinical = [("adverse_events", 0, "term", "rash (HBI 7, CRP 12.5 mg/L at week 12)"),
                ("treatments", 1, "next_therapy", "AZA 2.5-10 mg/d, then UST 90 mg q8w"),
                ("patients", 1, "autoimmune_disease", "psoriasis (PASI 12), HLA-B27, IL-23 pathway")]
    special("clinical_text_is_not_an_identifier", 0, None, None, None, "valid", lambda f: None, cells=clinical,
            clean=clinical)
    montreal = [("patients", 1, "montreal", "L3+L4 B2 p"), ("adverse_events", 0, "term", "COVID-19, grade 2 (3/9)")]
    special("montreal_and_scores_are_not_identifiers", 0, None, None, None, "valid", lambda f: None,
            cells=montreal, clean=montreal)
    special("missing_file", 1, V, None, None, "file missing", lambda f: (f / V).unlink())
    special("empty_file", 1, T, None, None, "empty", lambda f: (f / T).write_text(""))
    special("header_only_adverse_events_is_fine", 0, None, None, None, "valid",
            lambda f: _rewrite(f, A, lambda s: s.splitlines()[0] + "\n"))
    special("zero_patients", 1, P, 2, "patient_id", "no patients",
            lambda f: _rewrite(f, P, lambda s: s.splitlines()[0] + "\n"))

    def all_header_only(f):
        for n in (P, T, V, A):
            _rewrite(f, n, lambda s: s.splitlines()[0] + "\n")
    special("zero_patients_every_file_header_only", 1, P, 2, "patient_id", "no patients", all_header_only)

    def semicolon(f):
        _rewrite(f, V, lambda s: "\n".join(";".join(c.replace(".", ",") for c in line.split(","))
                                           for line in s.splitlines()) + "\n")
    special("semicolon_decimal_comma", 1, V, 1, None, "semicolon-delimited", semicolon)
    special("semicolon_announced_by_sep_line", 1, V, 2, None, "semicolon-delimited",
            lambda f: (semicolon(f), _rewrite(f, V, lambda s: "sep=;\n" + s)))

    def bom(f):
        p = f / P
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    special("utf8_bom_is_read", 0, None, None, None, "valid", bom, clean=[])

    def csv_is_xlsx(f):
        df = pd.read_csv(f / P, dtype=str, keep_default_na=False)
        tmp = f / "_p.xlsx"
        df.to_excel(tmp, index=False)
        _stable(tmp)
        tmp.replace(f / P)
    special("csv_that_is_an_excel_file", 1, P, None, None, "Excel workbook", csv_is_xlsx)

    # --- encodings, delimiters and layout: read and noted (forgiving) or refused ---
    zona = [("adverse_events", 0, "term", "zona (\u00e9ruption)")]
    special("not_utf8", 0, A, None, None, "read as Windows-1252", lambda f: _rewrite(f, A, str, "cp1252"),
            cells=zona, clean=zona)
    special("encoding_windows_1252_centre", 0, P, None, None, "Windows-1252",
            lambda f: _rewrite(f, P, str, "cp1252"), cells=[("patients", 0, "center", "Zürich")],
            clean=[("patients", 0, "center", "Zürich")])
    gbk = [("patients", 0, "center", "北京协和"), ("patients", 1, "center", "上海瑞金"),
           ("patients", 1, "autoimmune_disease", "银屑病")]
    special("encoding_gbk", 0, P, None, None, "GB18030", lambda f: _rewrite(f, P, str, "gbk"), cells=gbk,
            clean=gbk)
    special("encoding_gb18030_with_chinese_sex", 0, P, 2, "sex", "read '女' as 'F'",
            lambda f: _rewrite(f, P, str, "gb18030"),
            cells=gbk + [("patients", 0, "sex", "女"), ("patients", 1, "sex", "男")], clean=gbk)
    # valid UTF-8 is read as UTF-8 (with a NOTE): the cell's own check then names the code that reads wrong
    special("encoding_gb18030_that_is_also_utf8", 1, P, 2, "sex", "must be one of: F, M (value: 'Ů')",
            lambda f: _rewrite(f, P, str, "gb18030"), cells=[("patients", 0, "sex", "女"), ("patients", 1, "sex", "M")])
    special("encoding_utf16_tab_delimited", 0, V, None, None, "UTF-16",
            lambda f: _rewrite(f, V, lambda s: s.replace(",", "\t"), "utf-16"), clean=[])
    special("not_any_text_encoding", 1, P, None, None, "not UTF-8",
            lambda f: (f / P).write_bytes((f / P).read_bytes() + b"\x81\xff\x81\xff\n"))
    special("binary_file", 1, T, None, None, "not UTF-8",
            lambda f: (f / T).write_bytes(b"\x00\x01\x02\xff" * 64))
    special("tab_delimited", 0, V, 1, None, "tab-delimited",
            lambda f: _rewrite(f, V, lambda s: s.replace(",", "\t")), clean=[])
    special("sep_line_first", 0, P, 1, None, "sep=,", lambda f: _rewrite(f, P, lambda s: "sep=,\n" + s), clean=[])
    special("sep_line_tab", 0, T, 1, None, "sep=",
            lambda f: _rewrite(f, T, lambda s: "sep=\t\n" + s.replace(",", "\t")), clean=[])
    special("trailing_comma_every_line", 0, T, 1, None, "a delimiter at the end of each line",
            lambda f: _rewrite(f, T, lambda s: "".join(line + ",\n" for line in s.splitlines())), clean=[])
    special("trailing_comma_data_lines_only", 0, V, 1, None, "a delimiter at the end of each line",
            lambda f: _rewrite(f, V, lambda s: "\n".join([s.splitlines()[0]] + [line + "," for line in
                                                                                s.splitlines()[1:]]) + "\n"),
            clean=[])
    special("title_row_above_header_csv", 0, P, 1, None, "header found on row 2",
            lambda f: _rewrite(f, P, lambda s: "Cohort export\n" + s), clean=[])
    special("title_rows_then_numbers_at_the_right_rows", 1, V, 5, "partial_mayo", "between 0 and 9",
            lambda f: _rewrite(f, V, lambda s: "DTT cohort\n\n" + s), cells=[("visits", 1, "partial_mayo", "12")])
    special("rows_above_header_hold_data", 1, P, 3, None, "rows above it hold several values",
            lambda f: _rewrite(f, P, lambda s: "a,b,c,d\nx,y,z,w\n" + s))
    special("ragged_line", 1, V, None, None, "not a readable CSV file",
            lambda f: _rewrite(f, V, lambda s: s.replace("\nC1,3,", "\nC1,3,extra,", 1)))
    special("header_case_and_spaces", 0, P, 1, "patient_id", "read 'Patient_ID' as 'patient_id'",
            lambda f: _rewrite(f, P, lambda s: s.replace("patient_id,center,sex", "Patient_ID,center, sex", 1)),
            clean=[])
    special("header_spaces_for_underscores", 0, V, 1, "partial_mayo", "read 'Partial Mayo' as 'partial_mayo'",
            lambda f: _rewrite(f, V, lambda s: s.replace("partial_mayo", "Partial Mayo", 1)), clean=[])
    special("duplicate_column_name", 1, V, 1, "crp", "column appears twice",
            lambda f: _rewrite(f, V, lambda s: "\n".join(line + "," + line.split(",")[9]
                                                         for line in s.splitlines()) + "\n"))
    special("duplicate_column_differing_in_case", 1, V, 1, "crp", "column appears twice",
            lambda f: _rewrite(f, V, lambda s: "\n".join(
                (line + ",CRP") if k == 0 else (line + "," + line.split(",")[9])
                for k, line in enumerate(s.splitlines())) + "\n"))
    special("empty_header_with_values", 1, P, 1, "15", "empty column header",
            lambda f: _rewrite(f, P, lambda s: "\n".join(line + ("," if k == 0 else ",x")
                                                         for k, line in enumerate(s.splitlines())) + "\n"))
    special("unnamed_index_column_from_pandas", 1, P, 1, "1", "empty column header",
            lambda f: _rewrite(f, P, lambda s: "\n".join(("Unnamed: 0," if k == 0 else f"{k - 1},") + line
                                                         for k, line in enumerate(s.splitlines())) + "\n"))
    special("empty_header_in_the_middle_without_values", 0, A, 1, None, "empty column 2 without a header",
            lambda f: _rewrite(f, A, lambda s: "\n".join(line.replace(",", ",,", 1)
                                                         for line in s.splitlines()) + "\n"), clean=[])

    # --- workbooks ---
    def workbook(name, code, file, row, column, words, rename=None, edit=None, numbers=False, after=None,
                 clean=None):
        folder = HERE / name
        folder.mkdir()
        tables = copy.deepcopy(MINIMAL)
        if edit:
            edit(tables)
        with pd.ExcelWriter(folder / "cohort.xlsx") as xw:
            for t, rows in tables.items():
                df = pd.DataFrame(rows)
                if numbers:
                    df = df.apply(lambda c: pd.to_numeric(c, errors="coerce").where(lambda x: x.notna(), c)
                                  if c.name not in ("patient_id",) else c)
                df.to_excel(xw, sheet_name=(rename or {}).get(t, t), index=False)
        if after:
            after(folder / "cohort.xlsx")
        if zipfile_ok(folder / "cohort.xlsx"):
            _stable(folder / "cohort.xlsx")
        _write_expected(folder, code, file, row, column, words, path="cohort.xlsx", clean=clean)

    def sheet(t):
        return f"cohort.xlsx [sheet {t}]"

    def openpyxl_edit(fn):
        def f(path):
            from openpyxl import load_workbook
            wb = load_workbook(path)
            fn(wb)
            wb.save(path)
        return f

    workbook("excel_renamed_sheet", 0, sheet("visits"), None, None, "sheet 'Visits' read as 'visits'",
             rename={"visits": "Visits"}, clean=[])
    workbook("excel_sheet_missing", 1, sheet("visits"), None, None, "sheet 'visits' missing",
             rename={"visits": "Visits 2023"})
    workbook("excel_sheet_name_ambiguous", 1, sheet("visits"), None, None, "sheet 'visits' missing",
             rename={"visits": "Visits"},
             after=openpyxl_edit(lambda wb: wb.copy_worksheet(wb["Visits"]).__setattr__("title", "visits ")))
    workbook("excel_bad_cell", 1, sheet("visits"), 3, "rectal_bleeding", "between 0 and 3",
             edit=setcell("visits", 1, "rectal_bleeding", "7"))
    workbook("excel_numbers_as_numbers", 0, None, None, None, "valid", numbers=True, clean=[])
    workbook("excel_title_row_above_header", 0, sheet("visits"), 1, None, "header found on row 3",
             after=openpyxl_edit(lambda wb: (wb["visits"].insert_rows(1, 2),
                                             wb["visits"].cell(row=1, column=1, value="Visits, centre A"))),
             clean=[])
    workbook("excel_title_row_then_row_numbers", 1, sheet("visits"), 5, "mes", "between 0 and 3",
             edit=setcell("visits", 1, "mes", "9"),
             after=openpyxl_edit(lambda wb: (wb["visits"].insert_rows(1, 2),
                                             wb["visits"].cell(row=1, column=1, value="Visits"))))
    workbook("excel_header_case", 0, sheet("patients"), 1, "sex", "read 'Sex' as 'sex'",
             after=openpyxl_edit(lambda wb: setattr(wb["patients"]["C1"], "value", "Sex")), clean=[])
    workbook("excel_brand_names", 0, sheet("treatments"), 2, "agent_1", "read 'Stelara' as 'UST'",
             edit=chain(setcell("treatments", 0, "agent_1", "Stelara"), setcell("treatments", 1, "agent_2", "Humira")),
             clean=[])
    workbook("excel_extra_sheet_is_ignored", 0, None, None, None, "valid",
             after=openpyxl_edit(lambda wb: wb.create_sheet("notes").cell(row=1, column=1, value="2023-03-14")),
             clean=[])
    workbook("excel_error_cell_div0", 1, sheet("visits"), 3, "crp", "spreadsheet error value #DIV/0!",
             edit=setcell("visits", 1, "crp", "#DIV/0!"))
    workbook("excel_error_cell_na", 1, sheet("patients"), 3, "sex", "spreadsheet error value #N/A",
             edit=setcell("patients", 1, "sex", "#N/A"))
    workbook("excel_error_cell_value", 1, sheet("visits"), 2, "albumin", "#VALUE!",
             edit=setcell("visits", 0, "albumin", "#VALUE!"))
    workbook("excel_date_cell_in_term", 1, sheet("adverse_events"), 2, "term", "calendar date",
             after=openpyxl_edit(lambda wb: setattr(wb["adverse_events"]["B2"], "value",
                                                    datetime.datetime(2023, 3, 14))))
    workbook("excel_date_cell_in_month", 1, sheet("visits"), 3, "month", "must be a number",
             after=openpyxl_edit(lambda wb: setattr(wb["visits"]["B3"], "value", datetime.datetime(2023, 3, 14))))
    workbook("excel_identifier_column_chinese", 1, sheet("patients"), 1, "姓名", "direct identifier",
             edit=add_column("patients", "姓名", "x"))
    workbook("excel_duplicate_column", 1, sheet("visits"), 1, "crp", "column appears twice",
             after=openpyxl_edit(lambda wb: [wb["visits"].cell(row=r, column=13, value=wb["visits"].cell(
                 row=r, column=10).value) for r in range(1, 6)]))
    workbook("excel_empty_header_with_values", 1, sheet("adverse_events"), 1, "9", "empty column header",
             after=openpyxl_edit(lambda wb: wb["adverse_events"].cell(row=2, column=9, value="note")))
    workbook("excel_long_text", 1, sheet("patients"), 3, "autoimmune_disease", "longer than 200",
             edit=setcell("patients", 1, "autoimmune_disease", "psoriasis " * 30))
    workbook("excel_zero_patients", 1, sheet("patients"), 2, "patient_id", "no patients",
             after=openpyxl_edit(lambda wb: wb["patients"].delete_rows(2, 2)))
    workbook("excel_next_therapy_on_maintained_course", 1, sheet("treatments"), 2, "next_therapy",
             "must be empty when status is 'maintained'", edit=setcell("treatments", 0, "next_therapy", "IFX"))
    workbook("excel_not_a_workbook", 1, "cohort.xlsx", None, None, "not a readable .xlsx workbook",
             after=lambda p: p.write_bytes(b"PK\x03\x04 this is not a zip archive"))

    # --- files refused before any parser sees them, each with its reason (dttstudy/intake/raw_files.py) ---
    workbook("excel_formula_without_saved_value", 1, sheet("visits"), 3, "crp", "formula without a saved value",
             after=openpyxl_edit(lambda wb: setattr(wb["visits"]["J3"], "value", "=2+1.1")))
    # encrypted_workbook.xlsx: the minimal cohort saved with the password 'dttstudy' (msoffcrypto-tool, once)
    workbook("excel_password_protected", 1, "cohort.xlsx", None, None, "password-protected (encrypted) workbook",
             after=lambda p: p.write_bytes((HERE / "encrypted_workbook.xlsx").read_bytes()))
    workbook("excel_old_binary_xls", 1, "cohort.xlsx", None, None, "old binary Excel workbook (.xls",
             after=lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)))

    def bomb(path):
        import zipfile
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:  # 64 MB of zeros, some 60 kB packed
            z.writestr("xl/media/padding.bin", bytes(64 * 2**20))
    workbook("excel_zip_bomb", 1, "cohort.xlsx", None, None, "a 'zip bomb'", after=bomb)
    special("encoding_utf16_without_bom", 1, V, None, None, "UTF-16 text without a byte-order mark",
            lambda f: _rewrite(f, V, str, "utf-16-le"))
    special("nul_byte_in_term", 1, A, 2, "term", "a NUL character",
            lambda f: _rewrite(f, A, lambda s: s.replace("herpes zoster", "herpes\x00zoster")))
    special("nul_byte_in_header_row", 1, P, 1, "2", "a NUL character",
            lambda f: _rewrite(f, P, lambda s: s.replace("center", "cen\x00ter", 1)))


if __name__ == "__main__":
    main()

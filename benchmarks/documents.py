"""A labelled set of generated, real-looking documents for document-kind precision/recall
(issue 16.6): several layouts per kind with random people, employers, amounts and dates, and
ordinary business documents that are none of the kinds (minutes, a job advert, a policy, a
newsletter, a runbook, a quote request). Written as .txt, .docx, .html and (in the benchmark) as
scanned image-only .pdf, so extraction and OCR are part of what is measured.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

FIRST = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Freya", "Arthur", "Sophia", "Leo",
         "Priya", "Tomasz", "Chloe", "Kwame", "Mei", "Lucas", "Aoife", "Omar", "Hannah", "Ravi"]
LAST = ["Thompson", "Walker", "Hughes", "Edwards", "Turner", "Collins", "Morris", "Bennett",
        "Hayes", "Parker", "Nowak", "Okafor", "Chen", "Murphy", "Haddad", "Schmidt", "Rossi"]
EMPLOYERS = ["Northwind Logistics Ltd", "Brightwater Foods plc", "Harbour Analytics Ltd",
             "Kestrel Engineering GmbH", "Meridian Health Services", "Oakfield Retail Ltd"]
TOWNS = ["Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff", "Norwich", "York"]


@dataclass(frozen=True)
class Doc:
    kind: str | None
    name: str  # file name (the kind's usual name, or a neutral one)
    text: str


def _person(r: random.Random) -> tuple[str, str]:
    name = f"{r.choice(FIRST)} {r.choice(LAST)}"
    return name, f"{name.split()[0].lower()}.{name.split()[1].lower()}@example.org"


def _date(r: random.Random, y0: int = 2019, y1: int = 2025) -> str:
    return f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(y0, y1)}"


def _money(r: random.Random, lo: int, hi: int) -> str:
    return f"{r.randint(lo, hi):,}.{r.randint(0, 99):02d}"


def cv(r: random.Random) -> Doc:
    name, email = _person(r)
    y = r.randint(2008, 2016)
    jobs = "\n".join(
        f"{y + 3 * k} - {y + 3 * k + 3 if k < 2 else 'present'}  {r.choice(['Analyst', 'Engineer', 'Team lead', 'Coordinator'])}, {r.choice(EMPLOYERS)}"
        for k in range(3))
    head = r.choice(["Curriculum Vitae", name, "CV", "Résumé"])
    sections = [
        f"{head}\n{name}\n{email} | {r.choice(TOWNS)}",
        r.choice(["Profile", "Personal statement", "Summary"])
        + "\nReliable professional with a track record of delivering projects on time.",
        r.choice(["Work experience", "Employment history", "Professional experience"]) + "\n" + jobs,
        f"Education\n{y - 4} - {y - 1}  BSc {r.choice(['Economics', 'Physics', 'History'])}, University of {r.choice(TOWNS)}",
        "Skills\nProject management, SQL, stakeholder engagement",
    ]
    if r.random() < 0.6:
        sections.append("Interests\nRunning, chess")
    if r.random() < 0.5:
        sections.append("References available on request")
    return Doc("cv", r.choice([f"{name.split()[1]}_CV.txt", "resume.txt", "candidate.txt"]),
               "\n\n".join(sections))


def payslip(r: random.Random) -> Doc:
    name, _ = _person(r)
    gross = r.randint(1800, 6000)
    tax, ni = gross * 0.2, gross * 0.08
    title = r.choice(["PAYSLIP", "Pay advice", r.choice(EMPLOYERS)])
    text = (f"{title}\n{r.choice(EMPLOYERS)}\nEmployee: {name}    Employee no: {r.randint(1000, 9999)}\n"
            f"Pay date: {_date(r)}    Tax code: 1257L    NI number: AB{r.randint(100000, 999999)}C\n\n"
            f"Payments                 Amount\nBasic salary           {gross:,.2f}\n"
            f"Gross pay              {gross:,.2f}\n\nDeductions\nIncome tax (PAYE)      {tax:,.2f}\n"
            f"National Insurance     {ni:,.2f}\nPension                {gross * 0.05:,.2f}\n\n"
            f"Net pay                {gross - tax - ni - gross * 0.05:,.2f}\n"
            f"Year to date: gross {gross * 6:,.2f}, tax {tax * 6:,.2f}\n")
    return Doc("payslip", r.choice(["payslip_2024_06.txt", "pay.txt", "june.txt"]), text)


def medical(r: random.Random) -> Doc:
    name, _ = _person(r)
    cond = r.choice(["asthma", "type 2 diabetes", "lower back pain", "migraine", "hypertension"])
    if r.random() < 0.5:
        text = (f"{r.choice(['Department of Respiratory Medicine', 'Outpatient Clinic', 'Diabetes Clinic'])}\n"
                f"{r.choice(TOWNS)} General Hospital\n\nDear Dr {r.choice(LAST)},\n\n"
                f"Re: {name}   NHS number: {r.randint(400, 499)} {r.randint(100, 999)} {r.randint(1000, 9999)}\n\n"
                f"Diagnosis: {cond}\n\nHistory of presenting complaint: three months of symptoms.\n"
                f"Examination: blood pressure 132/84.\nPlan: prescribed {r.choice(['salbutamol', 'metformin', 'naproxen'])} "
                f"{r.choice([5, 10, 500])} mg; follow-up in 6 weeks.\n\nYours sincerely,\nConsultant Physician\n")
    else:
        text = (f"Occupational Health Service\nConfidential report\n\nEmployee: {name}\n"
                f"Referral reason: absence with {cond}.\n\nAssessment: the employee reports symptoms "
                f"that are improving with treatment.\nMedication: as prescribed by the GP.\n"
                f"Recommendation: phased return over four weeks; review by the clinic in a month.\n")
    return Doc("medical_record", r.choice(["clinic_letter.txt", "oh_report.txt", "letter.txt"]), text)


def id_document(r: random.Random) -> Doc:
    name, _ = _person(r)
    surname, given = name.split()[1].upper(), name.split()[0].upper()
    if r.random() < 0.5:
        text = (f"PASSPORT\nUnited Kingdom of Great Britain and Northern Ireland\nType P  Code GBR  "
                f"Passport No. {r.randint(100000000, 999999999)}\nSurname: {surname}\nGiven names: {given}\n"
                f"Nationality: British Citizen\nDate of birth: {_date(r, 1950, 2004)}\nSex: F\n"
                f"Place of birth: {r.choice(TOWNS).upper()}\nDate of issue: {_date(r)}\nDate of expiry: {_date(r, 2027, 2034)}\n"
                f"P<GBR{surname}<<{given}<<<<<<<<<<<<<<<<<<<<<\n")
    else:
        text = (f"IDENTITY CARD\nName: {name}\nDate of birth: {_date(r, 1950, 2004)}\nNationality: "
                f"{r.choice(['German', 'Polish', 'Irish', 'Spanish'])}\nValid until: {_date(r, 2027, 2034)}\n"
                f"Card number: {r.choice('LMNPRT')}{r.randint(10000000, 99999999)}\n")
    return Doc("id_document", r.choice(["scan_0043.txt", "passport.txt", "id.txt"]), text)


def bank_statement(r: random.Random) -> Doc:
    name, _ = _person(r)
    bal = r.randint(200, 5000)
    lines = []
    for _k in range(6):
        amt = r.randint(5, 400)
        bal -= amt
        lines.append(f"{_date(r, 2024, 2024)}  {r.choice(['Card payment TESCO', 'Direct debit COUNCIL TAX', 'Standing order RENT', 'Card payment TRAINLINE'])}  {amt:.2f}  {bal:.2f}")
    text = (f"{r.choice(['Current account statement', 'Bank statement', 'Statement of account'])}\n"
            f"{r.choice(['Harbour Bank', 'Northern Savings', 'Metro Bank'])}\n{name}\n"
            f"Sort code: {r.randint(10, 99)}-{r.randint(10, 99)}-{r.randint(10, 99)}   Account number: {r.randint(10000000, 99999999)}\n"
            f"Statement period: 01/03/2024 to 31/03/2024\n\nOpening balance {bal + 900:.2f}\n"
            f"Date        Description        Paid out  Balance\n" + "\n".join(lines)
            + f"\n\nClosing balance {bal:.2f}\n")
    return Doc("bank_statement", r.choice(["statement_march.txt", "bank.txt", "march.txt"]), text)


def contract(r: random.Random) -> Doc:
    name, _ = _person(r)
    emp = r.choice(EMPLOYERS)
    text = (f"{r.choice(['Contract of Employment', 'Statement of main terms of employment', 'Employment Agreement'])}\n\n"
            f"This agreement is made between {emp} (the Employer) and {name} (the Employee).\n\n"
            f"1. Job title: {r.choice(['Warehouse supervisor', 'Data analyst', 'Sales executive'])}\n"
            f"2. Date of commencement: {_date(r)}\n3. Probationary period: six months.\n"
            f"4. Salary: £{r.randint(24, 60)},000 per annum, paid monthly.\n"
            f"5. Hours of work: 37.5 hours per week. Holiday entitlement: 25 days plus bank holidays.\n"
            f"6. Notice period: one month by either party after the probationary period.\n\n"
            f"Signed on behalf of the Employer ..................\nSigned by the Employee ..................\n")
    return Doc("employment_contract", r.choice(["contract.txt", "terms.txt", f"{name.split()[1]}.txt"]), text)


def tax_form(r: random.Random) -> Doc:
    name, _ = _person(r)
    pay = r.randint(20000, 70000)
    text = (f"P60 End of Year Certificate\nTax year to 5 April {r.randint(2020, 2025)}\n\n"
            f"Employee's details\nSurname: {name.split()[1]}  Forenames: {name.split()[0]}\n"
            f"National Insurance number: AB{r.randint(100000, 999999)}C\n\n"
            f"Pay and Income Tax details\nPay in this employment  {pay:,}.00\nTax deducted  {pay * 0.18:,.2f}\n"
            f"Final tax code 1257L\n\nEmployer PAYE reference 123/AB456\n{r.choice(EMPLOYERS)}\n"
            "HM Revenue & Customs: keep this certificate in a safe place.\n")
    if r.random() < 0.4:
        text = (f"SA100 Tax Return {r.randint(2021, 2025)}\nHMRC Self Assessment\nUnique Taxpayer Reference (UTR) "
                f"{r.randint(1000000000, 9999999999)}\nName: {name}\nTax year 6 April to 5 April\n"
                f"Income tax due: {_money(r, 1000, 9000)}\n")
    return Doc("tax_form", r.choice(["p60.txt", "tax.txt", "2024.txt"]), text)


def invoice(r: random.Random) -> Doc:
    items = "\n".join(f"{r.choice(['Consulting', 'Pallet hire', 'Licence', 'Support'])}   {r.randint(1, 9)}   {_money(r, 10, 900)}"
                      for _ in range(3))
    text = (f"{r.choice(['INVOICE', 'Tax invoice', 'VAT Invoice'])}\n{r.choice(EMPLOYERS)}\n\n"
            f"Invoice number: INV-{r.randint(1000, 9999)}   Invoice date: {_date(r)}\n"
            f"Bill to: {r.choice(EMPLOYERS)}, {r.choice(TOWNS)}\n\nDescription   Qty   Unit price\n{items}\n\n"
            f"Subtotal {_money(r, 500, 3000)}\nVAT 20% {_money(r, 100, 600)}\nTotal due {_money(r, 600, 3600)}\n"
            f"Payment terms: 30 days. Due date: {_date(r)}\n")
    return Doc("invoice", r.choice(["invoice_4411.txt", "inv.txt", "bill.txt"]), text)


# -- documents that are none of the kinds ----------------------------------------------------
def minutes(r: random.Random) -> Doc:
    name, _ = _person(r)
    return Doc(None, "minutes.txt", (
        f"Minutes of the operations meeting, {_date(r)}\nChair: {name}\n\n"
        "1. The Q3 invoice backlog was discussed; finance will chase overdue suppliers.\n"
        "2. The salary review timetable will be published next month.\n"
        "3. Skills training for the new warehouse system starts in May.\nActions: see tracker.\n"))


def job_advert(r: random.Random) -> Doc:
    return Doc(None, "vacancy.txt", (
        f"We are hiring: {r.choice(['Data analyst', 'Warehouse supervisor'])} at {r.choice(EMPLOYERS)}\n\n"
        "About the role\nYou will work with the operations team on reporting.\n\n"
        "What you need\nExperience with SQL; good communication.\n\n"
        f"Salary: £{r.randint(25, 55)},000. Location: {r.choice(TOWNS)}. Apply with your CV by {_date(r)}.\n"))


def policy(r: random.Random) -> Doc:
    return Doc(None, "privacy_notice.txt", (
        "Privacy notice for job applicants\n\nWe collect the information in your CV and cover letter, "
        "and, where you give it, health information needed for adjustments at interview.\n"
        "We keep unsuccessful applicants' records for six months.\n"
        "You can ask for a copy of your data by writing to the data protection officer.\n"))


def newsletter(r: random.Random) -> Doc:
    return Doc(None, "newsletter.txt", (
        f"{r.choice(EMPLOYERS)} staff newsletter - {r.choice(['spring', 'summer', 'autumn'])} edition\n\n"
        "Our new canteen opens on Monday. The charity bake sale raised £320.\n"
        "Reminder: submit expense claims by the 25th. Congratulations to the logistics team.\n"))


def runbook(r: random.Random) -> Doc:
    return Doc(None, "runbook.txt", (
        "Database failover runbook\n\n1. Check replication lag on the standby.\n"
        "2. Promote the standby with pg_ctl promote.\n3. Update the DNS record and notify the on-call channel.\n"
        "Rollback: rebuild the old primary as a standby.\n"))


def quote_request(r: random.Random) -> Doc:
    return Doc(None, "rfq.txt", (
        f"Request for quotation\nFrom: {r.choice(EMPLOYERS)} procurement\n\n"
        "Please quote for 40 pallets of packaging material delivered to our Leeds depot.\n"
        "Include delivery costs and lead time. Quotes are due by Friday.\n"))


KINDS: dict[str, Callable[[random.Random], Doc]] = {
    "cv": cv, "payslip": payslip, "medical_record": medical, "id_document": id_document,
    "bank_statement": bank_statement, "employment_contract": contract, "tax_form": tax_form,
    "invoice": invoice,
}
OTHERS = (minutes, job_advert, policy, newsletter, runbook, quote_request)


def labelled_set(per_kind: int = 6, others: int = 3, seed: int = 16) -> list[Doc]:
    r = random.Random(seed)
    docs = [gen(r) for gen in KINDS.values() for _ in range(per_kind)]
    docs += [gen(r) for gen in OTHERS for _ in range(others)]
    return docs


def as_docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    for para in text.split("\n"):
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def as_html(text: str) -> bytes:
    import html

    lines = text.split("\n")
    body = f"<h1>{html.escape(lines[0])}</h1>" + "".join(
        f"<p>{html.escape(line)}</p>" for line in lines[1:] if line.strip())
    return f"<!DOCTYPE html><html><head><title>doc</title></head><body>{body}</body></html>".encode()


def as_scanned_pdf(text: str) -> bytes:
    from benchmarks import scans

    img = scans.render(scans.Scan("doc", tuple(text.split("\n")), {}), size=22)
    return scans.encode(img, "pdf")


FORMATS: dict[str, Callable[[str], bytes]] = {
    "txt": lambda t: t.encode("utf-8"), "docx": as_docx, "html": as_html,
    "pdf": as_scanned_pdf,
}

"""COL-NAME: column / header / key names that say what a value is."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from classifiers.column_names import (
    AMBIGUOUS_NAME_SCORE,
    ColumnNameClassifier,
    classify_column_name,
    is_identifier_column,
    looks_like_person_name,
)
from scanner.models import Detection, Location, TextUnit

COLUMN_POSITIVE = [
    # people
    ("first_name", "PERSON"), ("LastName", "PERSON"), ("FirstName", "PERSON"),
    ("full_name", "PERSON"), ("FULL_NAME", "PERSON"), ("fname", "PERSON"), ("lname", "PERSON"),
    ("surname", "PERSON"), ("contact_name", "PERSON"), ("ContactName", "PERSON"),
    ("Customer Name", "PERSON"), ("customerName", "PERSON"), ("given_names", "PERSON"),
    ("account_holder_name", "PERSON"),
    # contact
    ("email", "EMAIL_ADDRESS"), ("EmailAddress", "EMAIL_ADDRESS"), ("cust_email", "EMAIL_ADDRESS"),
    ("e_mail", "EMAIL_ADDRESS"), ("Email Address", "EMAIL_ADDRESS"),
    ("phone", "PHONE_NUMBER"), ("phoneNumber", "PHONE_NUMBER"), ("HomePhone", "PHONE_NUMBER"),
    ("fax", "PHONE_NUMBER"), ("mobile", "PHONE_NUMBER"), ("tel", "PHONE_NUMBER"),
    ("telephone_num", "PHONE_NUMBER"), ("phone_no", "PHONE_NUMBER"),
    # places
    ("address", "LOCATION"), ("billing_address", "LOCATION"), ("BillingAddress", "LOCATION"),
    ("street", "LOCATION"), ("city", "LOCATION"), ("ShipCity", "LOCATION"),
    ("postal_code", "LOCATION"), ("BillingPostalCode", "LOCATION"), ("zip", "LOCATION"),
    ("zipCode", "LOCATION"), ("po_box", "LOCATION"), ("country", "LOCATION"),
    ("state", "LOCATION"), ("AddressLine1", "LOCATION"), ("latitude", "LOCATION"),
    # dates of birth
    ("birth_date", "DATE_OF_BIRTH"), ("BirthDate", "DATE_OF_BIRTH"), ("dob", "DATE_OF_BIRTH"),
    ("date_of_birth", "DATE_OF_BIRTH"), ("DateOfBirth", "DATE_OF_BIRTH"), ("birthday", "DATE_OF_BIRTH"),
    # numbers
    ("ssn", "US_SSN"), ("social_security_number", "US_SSN"),
    ("national_insurance_number", "US_SSN"),
    ("credit_card", "CREDIT_CARD"), ("cc_num", "CREDIT_CARD"), ("creditcardnumber", "CREDIT_CARD"),
    ("iban", "IBAN_CODE"), ("bank_account_number", "IBAN_CODE"),
    ("ip_address", "IP_ADDRESS"), ("IpAddress", "IP_ADDRESS"), ("client_ip", "IP_ADDRESS"),
    ("mac_address", "MAC_ADDRESS"), ("imei", "IMEI"), ("device_id", "DEVICE_ID"),
    ("advertising_id", "DEVICE_ID"), ("nationality", "NRP"), ("gender", "GENDER"), ("sex", "GENDER"),
    ("GenderIdentity", "GENDER"), ("Gender", "GENDER"),
    # special categories
    ("religion", "RELIGION"), ("Religion", "RELIGION"), ("ethnicity", "ETHNIC_ORIGIN"),
    ("ethnic_group", "ETHNIC_ORIGIN"), ("diagnosis", "HEALTH"), ("primary_diagnosis", "HEALTH"),
    ("icd10_code", "HEALTH"), ("union_member", "TRADE_UNION"), ("UnionMembership", "TRADE_UNION"),
    ("sexual_orientation", "SEXUAL_ORIENTATION"), ("political_party", "POLITICAL_OPINION"),
    ("criminal_record", "CRIMINAL_RECORD"), ("genotype", "GENETIC"),
    ("fingerprint_template", "BIOMETRIC"), ("race", "ETHNIC_ORIGIN"),
]

COLUMN_NEGATIVE = [
    "track_name", "TrackName", "product_name", "ProductName", "company_name", "CompanyName",
    "album_title", "Title", "price", "unit_price", "UnitPrice", "genre", "GenreId", "Company",
    "CategoryName", "ShipName", "ContactTitle", "address_id", "AddressId", "email_verified",
    "email_template", "phone_type", "country_code", "HireDate", "last_update", "create_date",
    "InvoiceDate", "Total", "Quantity", "Milliseconds", "Composer", "description",
    "religion_id", "diagnosis_status", "health_check", "union_all", "order_state",
    "RegionDescription", "file_name", "hostname", "created_at", "status", "gender_id",
]


@pytest.mark.parametrize(("name", "entity"), COLUMN_POSITIVE)
def test_column_name_positive(name: str, entity: str) -> None:
    got = classify_column_name(name)
    assert [e for e, _, _ in got] == [entity]
    _, score, reason = got[0]
    assert score >= 0.4 and name in reason


@pytest.mark.parametrize("name", COLUMN_NEGATIVE)
def test_column_name_negative(name: str) -> None:
    assert classify_column_name(name) == []


@pytest.mark.parametrize("name", ["name", "Name", "NAME", "display_name", "user_name"])
def test_bare_name_is_ambiguous(name: str) -> None:
    [(entity, score, reason)] = classify_column_name(name)
    assert entity == "PERSON" and score == AMBIGUOUS_NAME_SCORE and "ambiguous" in reason


# pdscan / piicatcher labels that have no entity in config/taxonomy.yaml (credentials and
# account handles): not classified by name; `user`/`userid` are identifier columns for linkage.
UNSUPPORTED_PEER_LABELS = {"oauth_token", "password", "username"}


def test_peer_column_cases(shared_corpus: Path) -> None:
    cases = [
        json.loads(line)
        for line in (shared_corpus / "peer" / "peer_detector_cases.jsonl").read_text().splitlines()
        if line.strip()
    ]
    columns = [c for c in cases if c["kind"] == "column" and c["expect"]]
    assert len(columns) > 40
    missed = [
        c["input"]
        for c in columns
        if c["label"] not in UNSUPPORTED_PEER_LABELS and not classify_column_name(c["input"])
    ]
    assert missed == []
    assert is_identifier_column("userid")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("patient_id", True), ("CustomerId", True), ("EmployeeID", True), ("employee_number", True),
        ("MRN", True), ("username", True), ("member_no", True), ("guest_id", True),
        ("AlbumId", False), ("track_id", False), ("InvoiceId", False), ("id", False),
        ("religion", False), ("film_id", False),
    ],
)
def test_identifier_columns(name: str, expected: bool) -> None:
    assert is_identifier_column(name) is expected


def classify(field: str, value: str, uri: str = "file:///data/export.csv",
             found: tuple[Detection, ...] = ()) -> list[Detection]:
    unit = TextUnit(Location(uri, field=field), value, kind="value", record="r1")
    return list(ColumnNameClassifier().classify(unit, found))


VALUE_CASES = [
    # (field, value, uri, expected entity or None)
    ("first_name", "Jane", "file:///x/people.csv", "PERSON"),
    ("cust_email", "jane.roe@example.org", "file:///x.csv", "EMAIL_ADDRESS"),
    ("Phone", "+44 20 7946 0958", "file:///x.csv", "PHONE_NUMBER"),
    ("dob", "1984-03-12", "file:///x.csv", "DATE_OF_BIRTH"),
    ("customer.address.city", "Leeds", "file:///x.json", "LOCATION"),
    ("customers[3].email", "a@b.example", "file:///x.json", "EMAIL_ADDRESS"),
    ("religion", "Catholic", "postgresql://h/db/public/staff", "RELIGION"),
    ("union_member", "yes", "postgresql://h/db/public/staff", "TRADE_UNION"),
    ("union_member", "no", "postgresql://h/db/public/staff", None),
    ("union_member", "false", "postgresql://h/db/public/staff", None),
    ("race", "White", "file:///survey.csv", "ETHNIC_ORIGIN"),
    ("race", "Monaco Grand Prix", "file:///f1/results.csv", None),
    ("diagnosis", "E11.9", "file:///x.csv", "HEALTH"),
    # bare "name": table context decides, then the value
    ("Name", "Jane Roe", "postgresql://h/db/public/customers", "PERSON"),
    ("Name", "Rock", "sqlite:///chinook.sqlite/main/Genre", None),
    ("Name", "Iron Maiden", "sqlite:///chinook.sqlite/main/Artist", None),
    ("Name", "Heavy Metal Classic", "sqlite:///chinook.sqlite/main/Playlist", None),
    ("name", "Jane Roe", "file:///x/export.csv", "PERSON"),
    ("name", "MPEG audio file", "file:///x/export.csv", None),
    ("name", "Widget 3000", "file:///x/export.csv", None),
    ("name", "Jane Roe", "file:///x/products.csv", None),
    ("products[0].name", "Jane Roe", "file:///x.json", None),
    # lookup tables of places are not addresses
    ("country", "Afghanistan", "sqlite:///sakila.sqlite/main/country", None),
    ("country", "France", "sqlite:///sakila.sqlite/main/customer", "LOCATION"),
    # NULL-like and implausible values
    ("email", "", "file:///x.csv", None),
    ("email", "NULL", "file:///x.csv", None),
    ("email", "N/A", "file:///x.csv", None),
    ("phone", "0", "file:///x.csv", None),
    ("religion", "null", "file:///x.csv", None),
    ("email", "not an address", "file:///x.csv", None),
    ("phone", "ask reception", "file:///x.csv", None),
    ("ssn", "12", "file:///x.csv", None),
    # catalogue columns
    ("track_name", "Jane Roe", "file:///x.csv", None),
    ("unit_price", "0.99", "file:///x.csv", None),
]


@pytest.mark.parametrize(("field", "value", "uri", "entity"), VALUE_CASES)
def test_value_under_column(field: str, value: str, uri: str, entity: str | None) -> None:
    got = classify(field, value, uri)
    assert [d.entity for d in got] == ([entity] if entity else [])


def test_detection_covers_the_value_and_explains() -> None:
    [d] = classify("first_name", "  Jane ")
    assert (d.start, d.end, d.value) == (2, 6, "Jane")
    assert d.detector == "COL-NAME" and "column name 'first_name'" in d.explanation
    assert "Jane" not in d.explanation and d.linked is None


def test_special_column_starts_unlinked() -> None:
    [d] = classify("religion", "Catholic")
    assert d.linked is False and "column name 'religion'" in d.explanation


def test_bare_name_explains_the_value_test() -> None:
    [d] = classify("name", "Jane Roe")
    assert d.score < 0.85 and "looks like a person's name" in d.explanation


def test_no_duplicate_when_a_pattern_already_found_it() -> None:
    prior = Detection("EMAIL_ADDRESS", 0, 11, 0.9, "PII-EMAIL", "x", "a@b.example")
    assert classify("email", "a@b.example", found=(prior,)) == []


def test_prose_units_are_ignored() -> None:
    unit = TextUnit(Location("file:///x.txt", field="email"), "a@b.example", kind="prose")
    assert list(ColumnNameClassifier().classify(unit, ())) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Jane Roe", True), ("Mary-Ann O'Neil", True), ("Ludwig van Beethoven", True),
     ("Jane", False), ("Rock", False), ("MPEG audio file", False), ("R2 D2", False),
     ("For Those About To Rock (We Salute You)", False), ("jane roe", False),
     # titles before and after, the surname first, Romanian letters
     ("Dott. Raffaella Sgalambro", True), ("Sr(a). Bianca Correa", True),
     ("Ing. Jan Novák, CSc.", True), ("Kauliņš, Eda", True), ("Anișoara Manole", True),
     ("Dr. Müller", False), ("Mr. Big 2", False), ("Acme, Inc", False), ("Prof.", False)],
)
def test_looks_like_person_name(value: str, expected: bool) -> None:
    assert looks_like_person_name(value) is expected


# Personal and catalogue columns of the sample databases in ../shared/corpus/databases.
DB_PERSONAL = {
    "chinook.sqlite": [
        "Customer.FirstName", "Customer.LastName", "Customer.Address", "Customer.City",
        "Customer.PostalCode", "Customer.Phone", "Customer.Email", "Employee.FirstName",
        "Employee.LastName", "Employee.BirthDate", "Employee.Address", "Employee.Phone",
        "Employee.Email", "Invoice.BillingAddress", "Invoice.BillingCity",
    ],
    "northwind.db": [
        "Customers.ContactName", "Customers.Address", "Customers.Phone", "Employees.FirstName",
        "Employees.LastName", "Employees.BirthDate", "Employees.HomePhone", "Orders.ShipAddress",
        "Suppliers.ContactName",
    ],
    "sakila.sqlite": [
        "customer.first_name", "customer.last_name", "customer.email", "staff.email",
        "address.address", "address.postal_code", "address.phone", "actor.first_name",
    ],
}
DB_CATALOGUE = {
    "chinook.sqlite": [
        "Artist.Name", "Genre.Name", "MediaType.Name", "Playlist.Name", "Track.Name",
        "Track.Composer", "Album.Title", "Track.UnitPrice", "Customer.Company", "Employee.Title",
    ],
    "northwind.db": [
        "Customers.CompanyName", "Customers.ContactTitle", "Products.ProductName",
        "Categories.CategoryName", "Orders.ShipName", "Shippers.CompanyName",
        "Employees.HireDate", "Employees.TitleOfCourtesy",
    ],
    "sakila.sqlite": [
        "language.name", "category.name", "film.title", "country.country", "city.city",
        "customer.address_id", "staff.password",
    ],
}


def _column_hits(con: sqlite3.Connection, db: str, table: str, column: str) -> tuple[int, int]:
    rows = con.execute(f'SELECT "{column}" FROM "{table}" LIMIT 100').fetchall()
    values = [str(v) for (v,) in rows if v is not None and not isinstance(v, bytes)]
    uri = f"sqlite:///{db}/main/{table}"
    hits = sum(1 for v in values if classify(column, v, uri))
    return hits, len(values)


@pytest.mark.parametrize("db", sorted(DB_PERSONAL))
def test_sample_databases(shared_corpus: Path, db: str) -> None:
    con = sqlite3.connect(f"file:{shared_corpus / 'databases' / db}?mode=ro", uri=True)
    try:
        for col in DB_PERSONAL[db]:
            table, column = col.split(".")
            hits, n = _column_hits(con, db, table, column)
            assert n and hits >= 0.9 * n, f"{col}: {hits}/{n} values recognised"
        for col in DB_CATALOGUE[db]:
            table, column = col.split(".")
            hits, n = _column_hits(con, db, table, column)
            assert hits == 0, f"{col}: {hits}/{n} catalogue values reported"
    finally:
        con.close()

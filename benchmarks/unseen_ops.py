"""Corpus 3 of :mod:`benchmarks.unseen`: contacts, calendars, operations logs and exports.

Ten text files of shapes the product was not written against, sixteen locales none of the other
corpora's persons mostly come from (``en_NZ``, ``es_MX``, ``es_AR``, ``fr_BE``, ``fr_CH``,
``it_IT``, ``nl_BE``, ``sk_SK``, ``hu_HU``, ``ro_RO``, ``hr_HR``, ``sl_SI``, ``lt_LT``,
``lv_LV``, ``tr_TR``, ``en_US``):

- ``contacts.vcf``: vCard 3.0 cards (``FN``, ``TEL;TYPE=CELL``, ``EMAIL``, ``ADR``, ``REV``);
- ``meetings.ics``: iCalendar events (``ORGANIZER;CN=...:mailto:``, a dial-in number next to a
  meeting id and a passcode, ``DTSTAMP``);
- ``auth.log``: sshd, sudo and PAM lines (failed and accepted logins, ``uid=``, ports);
- ``maillog``: postfix lines (queue ids, ``client=host[ip]``, ``sasl_username``, ``delays=``);
- ``application.log``: Spring Boot lines with a thread name, a logger, key=value fields and Java
  stack traces;
- ``users.json``: a pretty-printed JSON array of user profiles (nested lists, coordinates);
- ``customers.html``: an HTML table with header cells;
- ``services.ini``: an INI file of service settings;
- ``enquete.csv``: a semicolon CSV with French headers and European decimals;
- ``chat.txt``: a chat export (``[date, time] Name: message``).

The templates use :class:`benchmarks.unseen.Corpus`'s placeholders; the distractors are
corpus 1's and the kinds below (meeting ids and passcodes, vCard timestamps, postfix queue ids
and delays, parcel tracking numbers, BICs, VAT numbers, GTIN-14, coordinates...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from operator import methodcaller
from pathlib import Path
from typing import Any

SEED = 31337
DEFAULT_MB = 1.5
LOCALES = ("en_NZ", "es_MX", "es_AR", "fr_BE", "fr_CH", "it_IT", "nl_BE", "sk_SK", "hu_HU",
           "ro_RO", "hr_HR", "sl_SI", "lt_LT", "lv_LV", "tr_TR", "en_US")
SCORED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
          "USER_AGENT", "PERSON")  # no MAC address is planted
END = datetime(2026, 1, 1)
_WHEN = methodcaller("date_time", end_datetime=END)


def _digits(f: Any, n: int) -> str:
    return f.numerify("#" * n)


# This corpus's own kinds; corpus 1's (benchmarks.unseen.DISTRACTORS) are used too.
KINDS: dict[str, Callable[[Any], object]] = {
    "stamp": lambda f: f"{_WHEN(f):%Y%m%dT%H%M%S}Z",
    "iso_tz": lambda f: f"{_WHEN(f):%Y-%m-%dT%H:%M:%S}.{f.random_int(0, 999):03d}+"
                        f"{f.random_element(('00', '01', '02'))}:00",
    "chat_time": lambda f: f"{_WHEN(f):%d/%m/%Y, %H:%M:%S}",
    "meeting_id": lambda f: f"{_digits(f, 3)} {_digits(f, 4)} {_digits(f, 4)}",
    "passcode": lambda f: _digits(f, 6),
    "queue_id": lambda f: f.hexify("^" * 10, upper=True),
    "delays": lambda f: "/".join(f"{f.random_int(0, 300) / 100:g}" for _ in range(4)),
    "latency": lambda f: f"{f.random_int(1, 99999) / 1000:g}",
    "uid": lambda f: f.random_int(1000, 65000),
    "tracking": lambda f: "1Z" + f.bothify("???###??##########").upper(),
    "bic": methodcaller("swift"),
    "vat_id": lambda f: f.random_element(("BE0", "FR", "IT", "NL", "ES")) + _digits(f, 9),
    "gtin14": lambda f: _digits(f, 14),
    "latitude": lambda f: f"{float(f.latitude()):.6f}",
    "longitude": lambda f: f"{float(f.longitude()):.6f}",
    "eu_amount": lambda f: f"{f.random_int(1, 99999):,}".replace(",", ".") +
                           f",{f.random_int(0, 99):02d}",
    "card_last4": lambda f: _digits(f, 4),
    "java_line": lambda f: f.random_int(20, 4000),
}

VCARD = """BEGIN:VCARD
VERSION:3.0
UID:{uuid4}
FN:{name}
ORG:{company}
TITLE:{job}
TEL;TYPE=CELL:{phone_number}
[[TEL;TYPE=WORK,VOICE:{phone_number}
]]EMAIL;TYPE=INTERNET:{email}
ADR;TYPE=HOME:;;{street_name} {building_number};{city};;{postcode};
NOTE:Customer since {date}. Account {order_digits}\\, loyalty {gtin14}.
REV:{stamp}
END:VCARD
"""
ICS = """BEGIN:VEVENT
UID:{uuid4}@calendar.example.com
DTSTAMP:{stamp}
DTSTART:{stamp}
ORGANIZER;CN={name}:mailto:{email}
ATTENDEE;CN={name#2};ROLE=REQ-PARTICIPANT:mailto:{email#2}
SUMMARY:{catch_phrase}
DESCRIPTION:Dial-in {phone_number#3} Meeting ID: {meeting_id} Passcode: {passcode}\\nQuestions \
to {name#3} ({email#3})
LOCATION:Room {random_int}
SEQUENCE:{random_digit}
END:VEVENT
"""
AUTH = (
    "{syslog_time} bastion sshd[{pid}]: Failed password for invalid user {user_name} from {ipv4} "
    "port {port} ssh2\n",
    "{syslog_time} bastion sshd[{pid}]: Accepted publickey for {user_name} from {ipv4|ipv6} port "
    "{port} ssh2: ED25519 SHA256:{md5}\n",
    "{syslog_time} bastion sudo[{pid}]:   {user_name} : TTY=pts/{random_digit} ; PWD=/srv/app ; "
    "USER=root ; COMMAND=/usr/bin/systemctl restart app@{random_digit}\n",
    "{syslog_time} bastion sshd[{pid}]: pam_unix(sshd:session): session opened for user "
    "{user_name}(uid={uid}) by (uid=0)\n",
    "{syslog_time} bastion sshd[{pid}]: Received disconnect from {ipv4} port {port}:11: "
    "disconnected by user\n",
)
MAILLOG = (
    "{syslog_time} mx1 postfix/smtpd[{pid}]: {queue_id}: client={domain_name}[{ipv4}], "
    "sasl_method=PLAIN, sasl_username={email}\n"
    "{syslog_time} mx1 postfix/qmgr[{pid}]: {=queue_id}: from=<{=email}>, size={bytes}, "
    "nrcpt=1 (queue active)\n"
    "{syslog_time} mx1 postfix/smtp[{pid}]: {=queue_id}: to=<{email#2}>, relay={domain_name}"
    "[{ipv4#2}]:25, delay={latency}, delays={delays}, dsn=2.0.0, status=sent (250 2.0.0 OK "
    "{epoch_s} {short_sha} - gsmtp)\n",
)
APPLOG = (
    "{iso_tz}  INFO {pid} --- [nio-8080-exec-{random_digit}] c.a.crm.CustomerService    : "
    'Updated customer id={count} name="{name}" phone={phone_number} email={email} in '
    "{duration_ms}\n",
    "{iso_tz}  WARN {pid} --- [   scheduling-1] c.a.billing.PaymentJob     : Retry "
    "{random_digit}/5 for card ending {card_last4}, iban={iban}, amount={price} EUR, "
    "txn={uuid4}\n",
    "{iso_tz} ERROR {pid} --- [nio-8080-exec-{random_digit}] o.a.c.c.C.[.[.[/].[dispatcher] : "
    "Servlet.service() threw exception [request from {ipv4}]\njava.lang.IllegalStateException: "
    "order {order_no} locked since {epoch_ms}\n\tat com.acme.orders.OrderService.lock("
    "OrderService.java:{java_line})\n\tat com.acme.orders.OrderController.update("
    "OrderController.java:{java_line})\n",
    "{iso_tz} DEBUG {pid} --- [nio-8080-exec-{random_digit}] o.s.w.f.RequestLogging     : GET "
    '/api/users/{count}?ts={epoch_ms} ua="{user_agent}" took {latency}s\n',
)
USER = """{"username": "{user_name}", "fullName": "{name}", "mobile": "{phone_number}",
"emails": ["{email}"[[, "{email#2}"]]], "registeredAt": "{iso_tz}", "geo": {"lat": {latitude},
"lng": {longitude}}, "payment": [{"type": "card", "number": "{credit_card_number}", "expiry":
"{credit_card_expire}"}, {"type": "sepa", "iban": "{iban}", "bic": "{bic}"}], "lastLogin":
{"ip": "{ipv4|ipv6}", "agent": "{user_agent}", "at": {epoch_ms}}, "loyaltyId": "{gtin14}",
"vat": "{vat_id}", "score": {pyfloat}}"""
HTML_HEAD = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Customers'
             '</title></head><body>\n<h1>Key accounts</h1>\n<table class="grid">\n<thead>\n<tr>'
             "<th>Name</th><th>Mobile</th><th>E-mail</th><th>IBAN</th><th>Card number</th><th>"
             "Last IP</th><th>Joined</th><th>Account no.</th><th>Post code</th><th>Tracking</th>"
             "</tr>\n</thead>\n<tbody>\n")
HTML = ("<tr>\n  <td>{name}</td>\n  <td>{phone_number}</td>\n  <td><a href=\"mailto:{email}\">"
        "{=email}</a></td>\n  <td>{iban}</td>\n  <td>{credit_card_number}</td>\n  <td>"
        "{ipv4|ipv6}</td>\n  <td>{date}</td>\n  <td>{order_digits}</td>\n  <td>{postcode}</td>\n"
        "  <td>{tracking}</td>\n</tr>\n")
INI = """
[service:{slug}]
host = {ipv4}
port = {port}
admin_contact = {email}
oncall_phone = {phone_number}
max_connections = {count}
timeout_seconds = {latency}
build = {version}
checksum = {sha1}
"""
CSV_HEAD = ("Nom complet;Téléphone portable;Courriel;IBAN;Montant;Code postal;N° client;Date de "
            "naissance;Note\n")
CSV = ("{name};{phone_number};{email};{iban};{eu_amount};{postcode};{order_digits};{date};"
       "{percent}\n")
CHAT = (
    "[{chat_time}] {name}: can you call me on {phone_number} later?\n",
    "[{chat_time}] {name}: my new address is {email}, the old one bounces\n",
    "[{chat_time}] {name}: parcel {tracking} arrived, thanks!\n",
    "[{chat_time}] {name}: paid {eu_amount} EUR to {iban} (ref {order_digits})\n",
    "[{chat_time}] {name}: meeting moved, ID {meeting_id} passcode {passcode}\n",
)

# file -> (share of --mb, templates, escape, head, separator, tail)
FILES: dict[str, tuple[float, tuple[str, ...], Callable[[str], str], str, str, str]] = {
    "contacts.vcf": (0.11, (VCARD,), lambda v: v.replace(",", "\\,").replace(";", "\\;"), "",
                     "", ""),
    "meetings.ics": (0.10, (ICS,), lambda v: v.replace(",", "\\,").replace(";", "\\;"),
                     "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Example//Calendar//EN\n", "",
                     "END:VCALENDAR\n"),
    "auth.log": (0.10, AUTH, str, "", "", ""),
    "maillog": (0.10, MAILLOG, str, "", "", ""),
    "application.log": (0.12, APPLOG, str, "", "", ""),
    "users.json": (0.11, (USER,), lambda v: json.dumps(v, ensure_ascii=False)[1:-1], "[", ",",
                   "]"),
    "customers.html": (0.09, (HTML,), __import__("html").escape, HTML_HEAD, "",
                       "</tbody>\n</table>\n</body></html>\n"),
    "services.ini": (0.07, (INI,), str, "; generated service settings\n", "", ""),
    "enquete.csv": (0.10, (CSV,), lambda v: v.replace(";", ","), CSV_HEAD, "", ""),
    "chat.txt": (0.10, CHAT, str, "", "", ""),
}


def generate(dest: Path, seed: int, megabytes: float
             ) -> tuple[dict[str, set[str]], dict[str, str], dict[str, str]]:
    """Write the ten files into ``dest``: (planted values per entity, distractor value -> kind,
    {} (no file needs its readable text kept: every one is text))."""
    from benchmarks.unseen import DISTRACTORS, Corpus, write_files  # (it imports this module)

    c = Corpus(seed, locales=LOCALES, kinds={**DISTRACTORS, **KINDS})
    return (*write_files(dest, c, FILES, megabytes), {})

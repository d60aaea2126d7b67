#!/usr/bin/python3
"""The peer of `breachmail subjects notify` in the campaign benchmark: the script a user would
write instead, with Python's standard library only. It reads the subjects' CSV with `csv`,
renders each person's message with str.format from a template of about the size of
breachmail's subject message, builds it with `email.message.EmailMessage` (policy SMTP: CRLF,
RFC 2047 Subject, UTF-8 text/plain body encoded by the library), and sends it with `smtplib`,
each of N threads holding one reused connection and pulling people from a queue.

    campaign_peer.py FILE.csv HOST PORT [CONNECTIONS]

Prints one line: messages accepted, seconds (from start to last reply, CSV reading included).
"""
import csv
import queue
import smtplib
import sys
import threading
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, localtime, make_msgid

FROM = Address("Exemple SARL — Délégué à la protection des données", "dpo", "example.org")
RETURN_PATH = "bounces@example.org"
MSGID_DOMAIN = "example.org"

SUBJECTS = {
    "fr": "Violation de données personnelles vous concernant — référence BR-2026-0001",
    "en": "A personal data breach affecting you — reference BR-2026-0001",
    "de": "Verletzung des Schutzes Ihrer personenbezogenen Daten — Aktenzeichen BR-2026-0001",
}

# One body per language, rendered with str.format; about 3 KB once filled in, like breachmail's.
_FR = """Bonjour {first_name} {last_name},

Nous vous écrivons parce qu'une violation de données à caractère personnel vous concerne.
Conformément à l'article 34 du règlement général sur la protection des données (RGPD), nous
vous informons de ce qui s'est passé, de ses conséquences probables et des mesures que nous
avons prises, ainsi que de ce que vous pouvez faire vous-même pour vous protéger.

Ce qui s'est passé
Le 22 octobre 2026, un tiers non autorisé a accédé à une base de données de notre service
d'adhésion. Les données concernées sont : nom, prénom, adresse électronique ({email}),
numéro de membre et date d'adhésion. Aucune donnée bancaire ni aucun mot de passe n'a été
exposé. Notre référence pour cet incident est BR-2026-0001.

Conséquences probables
Vous pourriez recevoir des messages d'hameçonnage (« phishing ») qui semblent provenir de
nous ou d'un tiers de confiance et qui vous demandent des informations personnelles ou un
paiement. Le risque d'usurpation d'identité est faible mais ne peut être exclu.

Mesures prises
Nous avons fermé l'accès non autorisé dans l'heure qui a suivi sa découverte, changé tous les
identifiants d'administration, fait analyser l'incident par un prestataire spécialisé et
informé l'autorité de contrôle (Commission nationale pour la protection des données) dans le
délai de 72 heures prévu à l'article 33.

Ce que vous pouvez faire
- Méfiez-vous de tout message qui vous demande vos identifiants ou un paiement ; nous ne vous
  demanderons jamais votre mot de passe par courrier électronique.
- Vérifiez l'adresse de l'expéditeur et les liens avant de cliquer.
- Si vous utilisez le même mot de passe ailleurs, changez-le par précaution.
- Signalez-nous tout message suspect qui mentionne votre numéro de membre.

Vos droits
Vous pouvez exercer vos droits d'accès, de rectification, d'effacement, de limitation et
d'opposition, et introduire une réclamation auprès de l'autorité de contrôle.

Pour toute question, notre délégué à la protection des données est à votre disposition :
Délégué à la protection des données, Exemple SARL, 1 rue de l'Exemple, L-1111 Luxembourg,
dpo@example.org, +352 00 00 00 00. Merci de rappeler la référence BR-2026-0001.

Nous regrettons sincèrement cet incident et la gêne qu'il peut vous causer.

Exemple SARL
Le responsable du traitement
"""

_EN = """Dear {first_name} {last_name},

We are writing because a personal data breach affects you. As required by Article 34 of the
General Data Protection Regulation (GDPR), we are telling you what happened, its likely
consequences and the measures we have taken, and what you can do yourself to protect you.

What happened
On 22 October 2026 an unauthorised third party accessed a database of our membership
service. The data concerned are: surname, first name, e-mail address ({email}), membership
number and date of joining. No bank details and no passwords were exposed. Our reference for
this incident is BR-2026-0001.

Likely consequences
You might receive phishing messages that seem to come from us or from a trusted third party
and that ask you for personal information or a payment. The risk of identity theft is low
but cannot be ruled out.

Measures taken
We closed the unauthorised access within an hour of its discovery, changed every
administrative credential, had the incident analysed by a specialised firm and notified the
supervisory authority (Commission nationale pour la protection des données) within the 72
hours of Article 33.

What you can do
- Be wary of any message that asks for your credentials or a payment; we will never ask you
  for your password by e-mail.
- Check the sender's address and the links before you click.
- If you use the same password elsewhere, change it as a precaution.
- Report to us any suspicious message that mentions your membership number.

Your rights
You may exercise your rights of access, rectification, erasure, restriction and objection,
and lodge a complaint with the supervisory authority — "Commission nationale pour la
protection des données", Luxembourg.

If you have any question, our data protection officer is at your disposal:
Data Protection Officer, Exemple SARL, 1 rue de l'Exemple, L-1111 Luxembourg,
dpo@example.org, +352 00 00 00 00. Please quote the reference BR-2026-0001.

We sincerely regret this incident and the inconvenience it may cause you.

Exemple SARL
The controller
"""

_DE = """Guten Tag {first_name} {last_name},

wir schreiben Ihnen, weil Sie von einer Verletzung des Schutzes personenbezogener Daten
betroffen sind. Gemäß Artikel 34 der Datenschutz-Grundverordnung (DSGVO) teilen wir Ihnen
mit, was geschehen ist, welche Folgen wahrscheinlich sind, welche Maßnahmen wir ergriffen
haben und was Sie selbst tun können, um sich zu schützen.

Was geschehen ist
Am 22. Oktober 2026 hat sich ein unbefugter Dritter Zugang zu einer Datenbank unseres
Mitgliederdienstes verschafft. Betroffen sind: Name, Vorname, E-Mail-Adresse ({email}),
Mitgliedsnummer und Beitrittsdatum. Bankdaten oder Passwörter wurden nicht offengelegt.
Unser Aktenzeichen für diesen Vorfall lautet BR-2026-0001.

Wahrscheinliche Folgen
Sie könnten Phishing-Nachrichten erhalten, die scheinbar von uns oder einem vertrauenswürdigen
Dritten stammen und Sie um persönliche Angaben oder eine Zahlung bitten. Das Risiko eines
Identitätsdiebstahls ist gering, lässt sich aber nicht ausschließen.

Ergriffene Maßnahmen
Wir haben den unbefugten Zugang innerhalb einer Stunde nach seiner Entdeckung geschlossen,
alle Administrator-Zugangsdaten geändert, den Vorfall von einem spezialisierten Dienstleister
untersuchen lassen und die Aufsichtsbehörde (Commission nationale pour la protection des
données) innerhalb der 72 Stunden nach Artikel 33 benachrichtigt.

Was Sie tun können
- Seien Sie misstrauisch bei Nachrichten, die nach Zugangsdaten oder einer Zahlung fragen;
  wir werden Sie niemals per E-Mail nach Ihrem Passwort fragen.
- Prüfen Sie die Absenderadresse und die Links, bevor Sie klicken.
- Wenn Sie dasselbe Passwort anderswo verwenden, ändern Sie es vorsorglich.
- Melden Sie uns verdächtige Nachrichten, die Ihre Mitgliedsnummer nennen.

Ihre Rechte
Sie können Ihre Rechte auf Auskunft, Berichtigung, Löschung, Einschränkung und Widerspruch
ausüben und eine Beschwerde bei der Aufsichtsbehörde einlegen.

Bei Fragen steht Ihnen unser Datenschutzbeauftragter zur Verfügung:
Datenschutzbeauftragter, Exemple SARL, 1 rue de l'Exemple, L-1111 Luxemburg,
dpo@example.org, +352 00 00 00 00. Bitte nennen Sie das Aktenzeichen BR-2026-0001.

Wir bedauern diesen Vorfall und die Unannehmlichkeiten, die er Ihnen bereiten kann, sehr.

Exemple SARL
Der Verantwortliche
"""

TEMPLATES = {"fr": _FR, "en": _EN, "de": _DE}


def build(row):
    language = row.get("language") or "fr"
    if language not in TEMPLATES:
        language = "fr"
    first, last, email = row["first_name"], row["last_name"], row["email"]
    msg = EmailMessage(policy=SMTP)
    msg["From"] = FROM
    msg["To"] = Address(f"{first} {last}", addr_spec=email)
    msg["Subject"] = SUBJECTS[language]
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = make_msgid(domain=MSGID_DOMAIN)
    msg.set_content(TEMPLATES[language].format(first_name=first, last_name=last, email=email), charset="utf-8")
    return msg, email


def worker(host, port, jobs, counts, index):
    sent = 0
    try:
        with smtplib.SMTP(host, port) as smtp:
            while True:
                row = jobs.get()
                if row is None:
                    break
                msg, email = build(row)
                smtp.send_message(msg, from_addr=RETURN_PATH, to_addrs=[email])
                sent += 1
    except Exception as error:  # report, then drain so that the reader never blocks
        print(f"python peer: connection {index} failed: {error!r}", file=sys.stderr)
        while jobs.get() is not None:
            pass
    counts[index] = sent


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: campaign_peer.py FILE.csv HOST PORT [CONNECTIONS]")
    path, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    connections = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    start = time.monotonic()
    jobs = queue.Queue(maxsize=1000)
    counts = [0] * connections
    threads = [threading.Thread(target=worker, args=(host, port, jobs, counts, i)) for i in range(connections)]
    for t in threads:
        t.start()
    with open(path, newline="", encoding="utf-8") as f:
        sample = f.readline()
        f.seek(0)
        reader = csv.DictReader(f, delimiter=";" if sample.count(";") > sample.count(",") else ",")
        for row in reader:
            jobs.put(row)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    sent = sum(counts)
    print(f"python peer: {connections} connection(s), {sent} accepted, {seconds:.2f} s, {sent / seconds:.0f} msg/s")


if __name__ == "__main__":
    main()

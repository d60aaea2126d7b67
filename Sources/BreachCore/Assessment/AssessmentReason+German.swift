extension AssessmentReason {
    /// The reason in German, in the words of the German text of the GDPR (DSGVO) and of the
    /// EDSA (EDPB) guidelines. Shown only: the register keeps the English and French texts.
    var german: String {
        switch self {
        case .documentation:
            "Art. 33 Abs. 5 DSGVO: Jede Verletzung des Schutzes personenbezogener Daten wird im Register dokumentiert (Fakten, Auswirkungen, Abhilfemaßnahmen und diese Entscheidung), ob gemeldet oder nicht."
        case .severity(let s):
            "Schweregrad nach ENISA: SE = DPC × EI + CB = \(s.dpc) × \(SeverityScore(quarters: s.easeOfIdentification.quarters).formatted(decimalSeparator: ",")) + \(SeverityScore(quarters: s.circumstances.quarters).formatted(decimalSeparator: ",")) = \(s.score.formatted(decimalSeparator: ",")), \(s.band.german) (DPC für \(s.dpcCategory.german), Identifizierbarkeit \(s.easeOfIdentification.german))."
        case .dataUnintelligible:
            "Art. 34 Abs. 3 Buchst. a DSGVO: Die Daten waren für alle Unbefugten unzugänglich (Verschlüsselung nach dem Stand der Technik oder starkes Hashing mit Salt) und der Schlüssel ist nicht kompromittiert; die Verletzung dürfte die betroffenen Personen daher nicht beeinträchtigen."
        case .keyCompromised:
            "Die Daten waren verschlüsselt, aber der Schlüssel ist kompromittiert: Sie gelten als lesbar, und Art. 34 Abs. 3 Buchst. a DSGVO greift nicht."
        case .backupRestored:
            "Eine Datensicherung hat die verlorenen Daten rasch wiederhergestellt, ohne Folgen für die betroffenen Personen."
        case .exfiltrationRuledOut:
            "Die Daten waren offengelegt, aber die Untersuchung schließt aus, dass sie entwendet oder gelesen wurden."
        case .trustedRecipient:
            "Die Daten haben nur einen bekannten, vertrauenswürdigen Empfänger erreicht, der bestätigt hat, sie ohne jede weitere Verwendung gelöscht zu haben (Leitlinien 01/2021 des EDSA; manche Aufsichtsbehörden, etwa die polnische, erwarten dennoch eine Meldung: die nationale Praxis prüfen)."
        case .specialCategories(let categories):
            "Besondere Kategorien personenbezogener Daten sind betroffen (Art. 9 und 10 DSGVO: \(categories.map(\.german).joined(separator: ", "))): Ihre Offenlegung oder ihr Verlust kann schweren Schaden verursachen."
        case .vulnerableSubjects:
            "Schutzbedürftige Personen sind betroffen (Kinder, Patienten…): Sie können sich weniger gut selbst schützen."
        case .identityTheftOrFraud:
            "Die Daten können für Identitätsdiebstahl oder Betrug verwendet werden."
        case .exfiltration:
            "Die Daten wurden aus dem Einflussbereich des Verantwortlichen kopiert: Sie können verwendet, verkauft oder veröffentlicht werden."
        case .exfiltrationNotRuledOut:
            "Es lässt sich nicht ausschließen, dass die Daten entwendet wurden; im Zweifel melden (CNIL)."
        case .unknownRecipients:
            "Die Daten wurden einer unbekannten Zahl von Empfängern offengelegt."
        case .maliciousIntent:
            "Die Verletzung beruht auf einer vorsätzlichen Handlung: Ein Missbrauch der Daten ist wahrscheinlicher als nach einem Versehen."
        case .manySubjects(let count):
            "Etwa \(count) Personen sind betroffen: Je mehr Personen, desto größer die Auswirkungen."
        case .availabilityNotRestored(let loss):
            loss == .permanent
                ? "Die Daten sind endgültig verloren: Keine brauchbare Kopie stellt sie wieder her."
                : "Die Daten waren eine Zeit lang nicht verfügbar und wurden nicht rasch wiederhergestellt: Schon die Verzögerung kann den betroffenen Personen schaden."
        case .integrityLost(let loss):
            "Die Daten wurden verändert und möglicherweise missbraucht (Originale \(loss == .recoverable ? "wiederherstellbar" : "nicht wiederherstellbar"))."
        case .noBasicProtection:
            "Die Daten hatten keinen grundlegenden Schutz, weder Verschlüsselung noch Passwort: Wer das Gerät oder die Dateien hat, kann sie lesen, und das Fehlen grundlegender Sicherheitsmaßnahmen erhöht das Risiko (Art. 32 DSGVO; Leitlinien 01/2021 des EDSA, Fall 11)."
        case .unprotectedAtScale(let count):
            "Die Daten von etwa \(count) Personen hatten keinen grundlegenden Schutz (weder Verschlüsselung noch Passwort), und es lässt sich nicht feststellen, welche Daten entwendet wurden: Die ENISA überlässt die Zahl der Personen und die Verständlichkeit der Daten der Abwägung nach dem Score, und der EDSA sieht eine solche Verletzung als hohes Risiko an (Leitlinien 01/2021, Fall 11)."
        case .dataScopeUnknown:
            "Es lässt sich nicht feststellen, welche Daten entwendet wurden: Auch andere als die bewerteten Kategorien können betroffen sein, daher geht die Bewertung nicht vom günstigsten Fall aus (Leitlinien 01/2021 des EDSA, Fall 11)."
        case .dataCombination:
            "Die offengelegten Daten führen mehrere Arten von Daten über dieselbe Person zusammen (oder eine große Menge davon): Zusammen sagen sie mehr aus und eignen sich besser zum Missbrauch als die höchste Kategorie allein, die als einzige in den ENISA-Score eingeht (ENISA-Faktor Umfang; Leitlinien 01/2021 des EDSA, Fall 16)."
        case .specialCategoriesLimited:
            "Die Daten besonderer Kategorien geben wenig preis (die ENISA bewertet die sensible Kategorie wegen der Art der Daten unter 4, etwa bei der bloßen Tatsache einer Routine-Blutuntersuchung): Sie machen die Verletzung meldepflichtig, begründen aber für sich allein kein hohes Risiko (ENISA-Schweregrad besonderer Kategorien; Leitlinien 01/2021 des EDSA, Fall 15)."
        case .noLossAtStake:
            "Art. 33 Abs. 1 DSGVO: Es bleibt kein Verlust, der die betroffenen Personen beeinträchtigen kann (nichts offengelegt, dauerhaft unzugänglich oder missbraucht): Die Verletzung führt voraussichtlich nicht zu einem Risiko."
        case .riskUnlikely:
            "Art. 33 Abs. 1 DSGVO: Der ENISA-Schweregrad ist niedrig, und keiner der Faktoren, die der Score nicht erfasst (besondere Kategorien, schutzbedürftige Personen, Zahl der Personen, Identitätsdiebstahl oder Betrug, Exfiltration, Vorsatz, unbekannte Empfänger, fehlender grundlegender Schutz, unbekannter Umfang, zusammengeführte Daten), spricht gegen die betroffenen Personen: Die Verletzung führt voraussichtlich nicht zu einem Risiko."
        case .riskNotHigh(let band):
            "Art. 34 Abs. 1 DSGVO: Das Risiko besteht, ist aber nicht hoch: Der ENISA-Schweregrad ist \(band.german), und kein Faktor macht es hoch (besondere Kategorien, schutzbedürftige Personen, Identitätsdiebstahl oder Betrug)."
        case .measuresRemoveHighRisk(let measures):
            "Art. 34 Abs. 3 Buchst. b DSGVO: Die seither ergriffenen Maßnahmen stellen sicher, dass das hohe Risiko aller Wahrscheinlichkeit nach nicht mehr besteht: \(measures)"
        case .disproportionateEffort(let unreachable, let total):
            "Art. 34 Abs. 3 Buchst. c DSGVO: \(unreachable) der \(total) Personen einzeln zu benachrichtigen wäre mit einem unverhältnismäßigen Aufwand verbunden: Stattdessen muss eine öffentliche Bekanntmachung sie informieren; alle erreichbaren Personen werden dennoch direkt benachrichtigt."
        }
    }
}

extension SeverityBand {
    /// Uninflected, after *der Schweregrad ist*.
    var german: String {
        switch self {
        case .low: "niedrig"
        case .medium: "mittel"
        case .high: "hoch"
        case .veryHigh: "sehr hoch"
        }
    }
}

extension DPCCategory {
    /// After *DPC für*.
    var german: String {
        switch self {
        case .simple: "einfache Daten"
        case .behavioural: "Verhaltensdaten"
        case .financial: "Finanzdaten"
        case .sensitive: "sensible Daten"
        }
    }
}

extension EaseOfIdentification {
    var german: String {
        switch self {
        case .negligible: "vernachlässigbar"
        case .limited: "begrenzt"
        case .significant: "erheblich"
        case .maximum: "maximal"
        }
    }
}

extension SpecialCategory {
    /// As Art. 9(1) and 10 DSGVO name them.
    var german: String {
        switch self {
        case .racialOrEthnicOrigin: "rassische und ethnische Herkunft"
        case .politicalOpinions: "politische Meinungen"
        case .religiousBeliefs: "religiöse oder weltanschauliche Überzeugungen"
        case .tradeUnionMembership: "Gewerkschaftszugehörigkeit"
        case .genetic: "genetische Daten"
        case .biometric: "biometrische Daten"
        case .health: "Gesundheit"
        case .sexLifeOrOrientation: "Sexualleben oder sexuelle Orientierung"
        case .offencesAndConvictions: "strafrechtliche Verurteilungen und Straftaten"
        }
    }
}

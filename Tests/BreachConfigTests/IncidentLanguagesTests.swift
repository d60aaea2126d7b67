import BreachConfig
import BreachCore
import BreachTestSupport
import Foundation
import Testing

/// Free text per language in the incident file: `description:` as one text (in the incident's
/// `language`), or with `fr:`, `en:`, `de:` lines.
@Suite struct IncidentLanguagesTests {
    static func file(_ description: String, extra: String = "") -> String {
        """
        title: Lost laptop
        awareness: 2026-11-20T09:30:00+01:00
        \(extra)discovery: The employee reported it.
        nature: [confidentiality]
        origin: lost_or_stolen_device
        cause: internal_accidental
        \(description)
        data_categories: [civil_status, contact_details]
        approximate_records: 1200
        approximate_subjects: 1000
        subject_categories: [customers]
        measures_before: Full-disk encryption; the key is not on the laptop.
        likely_consequences: None expected while the encryption holds.
        measures_taken: Device remotely wiped.
        """
    }

    private func problems(_ text: String) -> [String] {
        do {
            _ = try IncidentFile.parse(text, file: "incident.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func aTextPerLanguageIsReadWithItsLanguages() throws {
        let incident = try IncidentFile.parse(Self.file("description:\n  en: A laptop was lost.\n  de: Ein Laptop ging verloren.",
                                                        extra: "language: en\n"), file: "i.yaml")
        #expect(incident.language == .en)
        #expect(incident.text(incident.description, in: .en) == "A laptop was lost.")
        #expect(incident.text(incident.description, in: .de) == "Ein Laptop ging verloren.")
        #expect(incident.text(incident.description, in: .fr) == "")
        // One-text fields are in the incident's language (en here): every field has en.
        #expect(incident.untranslated(Incident.freeTextKeys, in: .en) == [])
        #expect(incident.untranslated(Incident.freeTextKeys, in: .de) == ["discovery", "measures_before", "likely_consequences", "measures_taken"])
        #expect(incident.completeLanguages == [.en])
    }

    @Test func oneTextIsInTheDefaultLanguageWhenTheFileNamesNone() throws {
        let incident = try IncidentFile.parse(Self.file("description: A laptop was lost."), file: "i.yaml", defaultLanguage: .de)
        #expect(incident.language == .de)
        #expect(incident.text(incident.description, in: .de) == "A laptop was lost.")
        #expect(incident.completeLanguages == [.de])
        let french = try IncidentFile.parse(Self.file("description: Un portable a été perdu."), file: "i.yaml")
        #expect(french.language == .fr)
    }

    @Test func anUnknownLanguageCodeIsNamedWithItsLine() {
        #expect(problems(Self.file("description:\n  fr: Un portable a été perdu.\n  it: Un portatile è stato perso.")) == [
            "incident.yaml:9: description.it: \"it\" is not a language breachmail writes in; use fr, en, de."])
    }

    @Test func anEmptyTranslationIsNamedWithItsLine() {
        #expect(problems(Self.file("description:\n  fr: Un portable a été perdu.\n  en: \"\"\n  de:")) == [
            "incident.yaml:9: description.en: is empty; write the English text or remove the line.",
            "incident.yaml:10: description.de: is empty; write the German text or remove the line."])
    }

    @Test func aListIsNotAText() {
        #expect(problems(Self.file("description: [a, b]")) == [
            "incident.yaml:7: description: must be a description of what happened, or one text per language (fr:, en:, de: on lines of their own), not a list."])
    }

    @Test func languageAndFallbackMustBeKnown() {
        #expect(problems(Self.file("description: A laptop was lost.", extra: "language: english\nfallback_language: it\n")) == [
            "incident.yaml:3: language: \"english\" is not known; use one of: fr, en, de.",
            "incident.yaml:4: fallback_language: \"it\" is not known; use one of: fr, en, de."])
    }

    /// Incidents recorded before languages existed hold plain strings and no `language`: they
    /// read as French, and are written back with the same bytes.
    @Test func anIncidentRecordedBeforeLanguagesReadsAsFrench() throws {
        let old = try IncidentFile.parse(Self.file("description: Un portable a été perdu."), file: "i.yaml")
        // As the register writes it: sorted keys.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var json = String(decoding: try encoder.encode(old), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"language\":\"fr\",", with: "")
        #expect(!json.contains("\"language\""))
        let decoded = try JSONDecoder().decode(Incident.self, from: Data(json.utf8))
        #expect(decoded.language == nil && decoded.ownLanguage == .fr)
        #expect(decoded.text(decoded.description, in: .fr) == "Un portable a été perdu.")
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == json)
    }
}

/// The texts inside the incident's sections (period comment, vulnerable people, organisations,
/// other notifications, why a number is unknown) are free texts too: one text or one per language,
/// and a message in a language that lacks one of them is refused like for the top-level texts.
@Suite struct NestedFreeTextTests {
    static let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")

    @Test func nestedTextsAreReadPerLanguageAndCountInTheGaps() throws {
        let incident = try IncidentFile.load(Self.example)
        #expect(incident.text(incident.period.comment, in: .de) == "Zeitpunkte aus den Protokollen der Firewall.")
        #expect(incident.text(incident.vulnerableSubjects.details, in: .en) == "96 members under 18 (youth section).")
        #expect(incident.completeLanguages == [.fr, .en, .de])

        var french = incident
        french.otherOrganisations[0].details = "Prestataire informatique qui gère le serveur."
        #expect(french.untranslated(Incident.freeTextKeys, in: .en) == ["other_organisations.details"])
        french.crossBorder.otherNotifications = "CNIL notifiée le 24 octobre."
        #expect(french.untranslated(["cross_border.other_notifications"], in: .de) == ["cross_border.other_notifications"])
        #expect(french.completeLanguages == [.fr])
    }

    @Test func anUnknownLanguageInANestedTextIsNamedWithItsLine() throws {
        let text = try String(contentsOf: Self.example, encoding: .utf8)
            .replacingOccurrences(of: "comment: {fr:", with: "comment: {it: \"Date dai log.\", fr:")
        let error = try #require(throws: FileProblems.self) { try IncidentFile.parse(text, file: "incident.yaml") }
        #expect(error.problems.map(\.description) == [
            "incident.yaml:23: period.comment.it: \"it\" is not a language breachmail writes in; use fr, en, de."])
    }
}

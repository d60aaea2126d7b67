import BreachConfig
import BreachCore
import BreachTestSupport
import Foundation
import Testing

@Suite struct IncidentFileTests {
    static let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")

    static let minimal = """
        title: Lost laptop
        awareness: 2026-11-20T09:30:00+01:00
        discovery: The employee reported it.
        nature: [confidentiality]
        origin: lost_or_stolen_device
        cause: internal_accidental
        description: A laptop with the customer file was lost on the train.
        data_categories: [civil_status, contact_details]
        approximate_records: 1200
        approximate_subjects: 1000
        subject_categories: [customers]
        measures_before: Full-disk encryption; the key is not on the laptop.
        likely_consequences: None expected while the encryption holds.
        measures_taken: Device remotely wiped.
        """

    @Test func readsTheShippedExample() throws {
        let incident = try IncidentFile.load(Self.example)
        #expect(incident.origin == .ransomware)
        #expect(incident.nature == [.confidentiality, .availability])
        #expect(incident.approximateSubjects == 412)
        #expect(incident.vulnerableSubjects.present)
        #expect(incident.otherOrganisations == [InvolvedOrganisation(name: "InfoServices SARL", role: .processor, details: LocalizedText(translations: [
            .fr: "Prestataire informatique qui gère le serveur.", .en: "IT provider that runs the server.", .de: "IT-Dienstleister, der den Server betreibt."]))])
        #expect(incident.crossBorder.countries == ["FR", "BE"])
        #expect(incident.awareness.description == "2026-10-23T10:00:00+02:00")
    }

    @Test func readsAMinimalFile() throws {
        let incident = try IncidentFile.parse(Self.minimal, file: "i.yaml")
        #expect(incident.specialCategories.isEmpty)
        #expect(incident.period == Period())
    }

    @Test func theTemplateIsCompleteAndRefusedOnlyForEmptyRequiredFields() throws {
        for language in IncidentField.Language.allCases {
            let template = IncidentFile.template(language: language)
            for field in IncidentField.all { #expect(template.contains("\n\(field.key):"), "\(field.key)") }
            let error = try #require(throws: FileProblems.self) { try IncidentFile.parse(template, file: "t.yaml") }
            // Every required field is empty in the template (its example is a comment): refused, never recorded with made-up facts.
            #expect(Set(error.problems.map(\.key)) == ["title", "awareness", "discovery", "nature", "origin", "cause", "description", "data_categories",
                                                       "approximate_records", "approximate_subjects", "subject_categories", "measures_before",
                                                       "likely_consequences", "measures_taken"])
        }
    }

    private func problems(_ text: String) -> [String] {
        do {
            _ = try IncidentFile.parse(text, file: "incident.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    private func replacing(_ key: String, with line: String) -> String {
        Self.minimal.split(separator: "\n").map { $0.hasPrefix("\(key):") ? line : String($0) }.joined(separator: "\n")
    }

    @Test func aMissingFieldIsNamed() {
        #expect(problems(replacing("likely_consequences", with: "")) == [
            "incident.yaml:1: likely_consequences: is missing; expected the likely consequences for the people."])
    }

    @Test func anUnparsableDateIsNamedWithItsLine() {
        #expect(problems(replacing("awareness", with: "awareness: last tuesday")) == [
            "incident.yaml:2: awareness: \"last tuesday\" is not a date and time; expected a date and time with its UTC offset, e.g. 2026-11-20T09:30:00+01:00."])
    }

    @Test func aDateWithoutTimeZoneIsRefused() {
        #expect(problems(replacing("awareness", with: "awareness: 2026-11-20 09:30")) == [
            "incident.yaml:2: awareness: \"2026-11-20 09:30\" has no time zone; add the UTC offset, e.g. 2026-11-20T09:30+01:00."])
    }

    @Test func anUnknownCategoryIsRefusedWithTheKnownOnes() {
        #expect(problems(replacing("data_categories", with: "data_categories: [civil_status, shoe_size]")) == [
            "incident.yaml:8: data_categories: \"\"shoe_size\"\" is not known; use any of: civil_status, national_identifier, contact_details, credentials, financial, official_documents, location, behavioural, professional, other."])
    }

    @Test func aNegativeCountIsRefused() {
        #expect(problems(replacing("approximate_records", with: "approximate_records: -4")) == [
            "incident.yaml:9: approximate_records: must be a whole number of records, 0 or more, or unknown, got -4."])
    }

    @Test func typosAreNotIgnored() {
        let problems = problems(Self.minimal + "\nmeasures_takne: oops")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("incident.yaml:15: measures_takne: is not a known key; known keys here: title, awareness,") == true)
    }

    @Test func duplicateKeysAreRefused() {
        #expect(problems(Self.minimal + "\ntitle: Again") == ["incident.yaml:1: title: appears more than once in the same mapping; keep one."])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let text = replacing("origin", with: "origin: aliens").replacingOccurrences(of: "approximate_subjects: 1000", with: "approximate_subjects: many")
        #expect(problems(text).count == 2)
    }

    @Test func brokenYAMLIsPlaced() {
        #expect(problems("title: [unclosed\nawareness: x") .first?.hasPrefix("incident.yaml:") == true)
        #expect(problems("") == ["incident.yaml: is empty; fill in the template."])
        #expect(problems("- a\n- b") == ["incident.yaml:1: must be a mapping of `key: value` lines at the top level."])
    }

    @Test func periodConsistencyIsChecked() {
        let text = Self.minimal + "\nperiod:\n  start: 2026-11-19T10:00:00+01:00\n  end: 2026-11-18T10:00:00+01:00"
        #expect(problems(text) == ["incident.yaml:17: period.end: is before period.start; swap them or correct the date."])
    }

    @Test func unreadableFileIsNamed() {
        #expect(throws: FileProblems([FileProblem(file: "/nonexistent/incident.yaml", line: nil, key: "",
                                                   message: "cannot be read as UTF-8 text; check the path and the encoding.")])) {
            try IncidentFile.load(URL(fileURLWithPath: "/nonexistent/incident.yaml"))
        }
    }
}

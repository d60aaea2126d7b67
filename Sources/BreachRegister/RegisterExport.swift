public import Foundation
public import BreachCore

/// The register as data to hand to the authority on request (Art. 33(5)): every incident, its
/// current content and its whole history, as CSV or JSON. The report a person reads is
/// `RegisterReport` (BreachApp), rendered from templates.
public struct RegisterExport: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, json }

    public let controller: Controller
    public let incidents: [IncidentRecord]
    public let history: [HistoryEntry]
    public let verification: ChainVerification
    public let generatedAt: Date
    public let language: IncidentField.Language

    public init(controller: Controller, incidents: [IncidentRecord], history: [HistoryEntry],
                verification: ChainVerification, generatedAt: Date, language: IncidentField.Language) {
        self.controller = controller
        self.incidents = incidents
        self.history = history
        self.verification = verification
        self.generatedAt = generatedAt
        self.language = language
    }

    public func render(_ format: Format) throws -> String {
        switch format {
        case .csv: csv()
        case .json: try json()
        }
    }

    private func entries(of id: String) -> [HistoryEntry] { history.filter { $0.incidentID == id } }

    // MARK: CSV: one row per history entry, with the incident's fields for each version.

    func csv() -> String {
        let keys = IncidentField.all.map(\.key)
        var lines = [(["incident_id", "sequence", "recorded_at", "actor", "event", "version"] + keys + ["details", "entry_hash"]).map(Self.csvField).joined(separator: ",")]
        for record in incidents {
            for e in entries(of: record.id) {
                var fields = Array(repeating: "", count: keys.count)
                var details = ""
                if e.version != nil, let incident = try? JSONDecoder().decode(Incident.self, from: Data(e.payload.utf8)) {
                    fields = incident.presentedFields(language).map(\.text)
                } else {
                    details = e.payload
                }
                let row = [record.id, String(e.sequence), e.recordedAt, e.actor, e.kind, e.version.map(String.init) ?? ""] + fields + [details, e.entryHash]
                lines.append(row.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    public static func csvField(_ value: String) -> String {
        // Formula injection: a cell starting with = + - @ is neutralised for spreadsheet users.
        var v = value
        if let first = v.first, "=+-@".contains(first) { v = "'" + v }
        return v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
    }

    // MARK: JSON

    struct Document: Encodable {
        let generatedAt: String
        let controller: Controller
        let chain: Chain
        let incidents: [Item]
        struct Chain: Encodable { let entries: Int; let head: String; let intact: Bool; let firstProblem: String? }
        struct Item: Encodable {
            let id: String; let version: Int; let openedAt: String; let updatedAt: String; let deadline: String
            let incident: Incident; let history: [HistoryItem]
        }
        struct HistoryItem: Encodable {
            let sequence: Int64; let recordedAt: String; let actor: String; let kind: String; let version: Int?
            let payload: String; let entryHash: String
        }
    }

    func json() throws -> String {
        let doc = Document(
            generatedAt: ZonedTime(instant: generatedAt, offsetSeconds: 0).description, controller: controller,
            chain: .init(entries: verification.entries, head: verification.head, intact: verification.isIntact,
                         firstProblem: verification.firstProblem?.description),
            incidents: incidents.map { r in
                .init(id: r.id, version: r.version, openedAt: r.openedAt, updatedAt: r.updatedAt,
                      deadline: ZonedTime(instant: r.incident.deadline.due, offsetSeconds: r.incident.awareness.offsetSeconds).description,
                      incident: r.incident,
                      history: entries(of: r.id).map {
                          .init(sequence: $0.sequence, recordedAt: $0.recordedAt, actor: $0.actor, kind: $0.kind,
                                version: $0.version, payload: $0.payload, entryHash: $0.entryHash)
                      })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(doc), as: UTF8.self) + "\n"
    }
}

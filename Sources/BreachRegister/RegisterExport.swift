public import Foundation
public import BreachCore

/// The register as a document to hand to the authority on request (Art. 33(5)): every incident,
/// its current content and its whole history.
public struct RegisterExport: Sendable {
    public enum Format: String, Sendable, CaseIterable { case csv, json, html }

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
        case .html: html()
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

    // MARK: HTML: a readable, self-contained report (no scripts, no remote content).

    func html() -> String {
        let fr = language == .fr
        let t = { (en: String, frText: String) in fr ? frText : en }
        var out = """
        <!DOCTYPE html>
        <html lang="\(language.rawValue)"><head><meta charset="utf-8">
        <title>\(TextEscaping.html(t("Register of personal data breaches", "Registre des violations de données personnelles"))) — \(TextEscaping.html(controller.name))</title>
        <style>
        body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}
        h1{font-size:1.5rem}h2{font-size:1.2rem;border-top:2px solid #333;padding-top:1rem;margin-top:2.5rem}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f2f2f2;width:16rem}td{white-space:pre-wrap}.hash{font-family:monospace;font-size:.8em;word-break:break-all}
        .bad{color:#a00;font-weight:bold}.ok{color:#060}
        @media print{h2{page-break-before:always}}
        </style></head><body>
        <h1>\(TextEscaping.html(t("Register of personal data breaches", "Registre des violations de données personnelles")))</h1>
        <p>\(TextEscaping.html(controller.name))\(controller.registration.isEmpty ? "" : " — " + TextEscaping.html(controller.registration)) · \(TextEscaping.html(t("GDPR Art. 33(5)", "RGPD art. 33.5"))) · \(TextEscaping.html(t("generated", "généré le"))) \(TextEscaping.html(ZonedTime(instant: generatedAt, offsetSeconds: 0).description))</p>
        <p>\(TextEscaping.html(t("Incidents", "Incidents"))): \(incidents.count) · \(TextEscaping.html(t("history entries", "entrées d'historique"))): \(verification.entries) · 
        """
        out += verification.isIntact
            ? "<span class=\"ok\">\(TextEscaping.html(t("history chain intact", "chaîne d'historique intacte")))</span>"
            : "<span class=\"bad\">\(TextEscaping.html(t("history chain broken", "chaîne d'historique rompue"))): \(TextEscaping.html(verification.firstProblem?.description ?? ""))</span>"
        out += "<br>\(TextEscaping.html(t("Head hash", "Empreinte de tête"))): <span class=\"hash\">\(verification.head)</span></p>\n"
        for r in incidents {
            let deadline = ZonedTime(instant: r.incident.deadline.due, offsetSeconds: r.incident.awareness.offsetSeconds)
            out += "<h2>\(TextEscaping.html(r.id)) — \(TextEscaping.html(r.incident.title))</h2>\n<table>\n"
            out += "<tr><th>\(TextEscaping.html(t("Version", "Version")))</th><td>\(r.version) (\(TextEscaping.html(t("updated", "mise à jour"))) \(TextEscaping.html(r.updatedAt)))</td></tr>\n"
            out += "<tr><th>\(TextEscaping.html(t("Notification deadline (72 h)", "Échéance de notification (72 h)")))</th><td>\(TextEscaping.html(deadline.description))</td></tr>\n"
            for field in r.incident.presentedFields(language) where !field.text.isEmpty {
                out += "<tr><th>\(TextEscaping.html(field.label))</th><td>\(TextEscaping.html(field.text))</td></tr>\n"
            }
            out += "</table>\n<h3>\(TextEscaping.html(t("History", "Historique")))</h3>\n<table>\n<tr><th>#</th><th>\(TextEscaping.html(t("When / who / what", "Quand / qui / quoi")))</th></tr>\n"
            for e in entries(of: r.id) {
                let what = e.version.map { "\(e.kind) (version \($0))" } ?? e.kind
                out += "<tr><th>\(e.sequence)</th><td>\(TextEscaping.html(e.recordedAt)) · \(TextEscaping.html(e.actor)) · \(TextEscaping.html(what))<br><span class=\"hash\">\(e.entryHash)</span></td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "</body></html>\n"
        return out
    }

}

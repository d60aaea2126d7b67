internal import BreachCore
internal import Foundation

/// The authority notification as JSON, in the order of the form map (`regulatory.md` §a.2),
/// with the incident file's key names: an authority (or the CNIL form helper) can read it field
/// by field. Written by hand so that key order is the form's and the output is byte-stable.
enum NotificationJSON {
    indirect enum Value {
        case string(String), int(Int), bool(Bool), null
        case array([Value])
        case object([(String, Value)])
    }

    static func document(_ c: ComposeContext) -> Value {
        let i = c.incident
        func time(_ t: ZonedTime?) -> Value { t.map { .string($0.description) } ?? .null }
        func person(_ p: Person?) -> Value {
            guard let p else { return .null }
            return .object([("name", .string(p.name)), ("function", .string(p.function)),
                            ("email", .string(p.email)), ("phone", .string(p.phone))])
        }
        let late = c.kind == .authorityComplementary
            ? i.deadline.isLate(at: c.authority?.initialNotificationDate ?? c.composedAt)
            : i.deadline.isLate(at: c.composedAt)
        return .object([
            ("format", .string("breachmail-notification/1")),
            ("notification", .object([
                ("type", .string(c.kind == .authorityComplementary ? "complementary" : "initial")),
                ("authority", .string(c.authority?.name ?? "")),
                ("authority_reference", c.authority.map { $0.reference.isEmpty ? .null : .string($0.reference) } ?? .null),
                ("initial_date", c.authority?.initialNotificationDate.map { .string(c.zoned($0).description) } ?? .null),
                ("reference", .string(c.reference)),
                ("composed_at", .string(c.zoned(c.composedAt).description)),
            ])),
            ("controller", .object([
                ("name", .string(c.controller.name)), ("registration", .string(c.controller.registration)),
                ("sector", .string(c.controller.sector)), ("address", .string(c.controller.address)),
                ("country", .string(c.controller.country)),
            ])),
            ("legal_representative", person(c.controller.legalRepresentative)),
            ("dpo", person(c.dpo)),
            ("other_organisations", .array(i.otherOrganisations.map {
                .object([("name", .string($0.name)), ("role", .string($0.role.rawValue)), ("details", .string(i.text($0.details, in: c.language)))])
            })),
            ("dates", .object([
                ("period_known", .bool(i.period.isKnown)), ("start", time(i.period.start)), ("end", time(i.period.end)),
                ("ongoing", .bool(i.period.ongoing)), ("awareness", .string(i.awareness.description)),
                ("comment", .string(i.text(i.period.comment, in: c.language))), ("discovery", .string(i.text(i.discovery, in: c.language))),
            ])),
            ("late", .bool(late)),
            ("delay_reasons", .string(i.text(i.delayReasons, in: c.language))),
            ("nature", .array(i.nature.sorted().map { .string($0.rawValue) })),
            ("origin", .string(i.origin.rawValue)),
            ("cause", .string(i.cause.rawValue)),
            ("description", .string(i.text(i.description, in: c.language))),
            ("data_categories", .array(i.dataCategories.sorted().map { .string($0.rawValue) })),
            ("special_categories", .array(i.specialCategories.sorted().map { .string($0.rawValue) })),
            ("approximate_records", i.unknownCounts?.records == true ? .null : .int(i.approximateRecords)),
            ("subject_categories", .array(i.subjectCategories.sorted().map { .string($0.rawValue) })),
            ("approximate_subjects", i.unknownCounts?.subjects == true ? .null : .int(i.approximateSubjects)),
            ("counts_unknown_reason", i.unknownCounts.map { .string(i.text($0.reason, in: c.language)) } ?? .null),
            ("vulnerable_subjects", .object([("present", .bool(i.vulnerableSubjects.present)),
                                             ("details", .string(i.text(i.vulnerableSubjects.details, in: c.language)))])),
            ("measures_before", .string(i.text(i.measuresBefore, in: c.language))),
            ("likely_consequences", .string(i.text(i.likelyConsequences, in: c.language))),
            ("potential_harms", .array(i.potentialHarms.sorted().map { .string($0.rawValue) })),
            ("measures_taken", .string(i.text(i.measuresTaken, in: c.language))),
            ("measures_planned", .string(i.text(i.measuresPlanned, in: c.language))),
            ("advice_to_subjects", .string(i.text(i.adviceToSubjects, in: c.language))),
            ("cross_border", .object([("concerned", .bool(i.crossBorder.concerned)),
                                      ("countries", .array(i.crossBorder.countries.map { .string($0) })),
                                      ("other_notifications", .string(i.text(i.crossBorder.otherNotifications, in: c.language)))])),
        ])
    }

    static func encode(_ value: Value) -> [UInt8] {
        var out = ""
        write(value, indent: 0, into: &out)
        out += "\n"
        return Array(out.utf8)
    }

    private static func write(_ value: Value, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1), close = String(repeating: "  ", count: indent)
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .string(let s): TextEscaping.appendJSONString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (n, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += n < items.count - 1 ? ",\n" : "\n"
            }
            out += close + "]"
        case .object(let fields):
            out += "{\n"
            for (n, (key, item)) in fields.enumerated() {
                out += pad
                TextEscaping.appendJSONString(key, to: &out)
                out += ": "
                write(item, indent: indent + 1, into: &out)
                out += n < fields.count - 1 ? ",\n" : "\n"
            }
            out += close + "}"
        }
    }

}

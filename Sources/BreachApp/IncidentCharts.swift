public import BreachCharts
import BreachConfig
public import BreachCore
public import BreachRegister
public import Foundation

/// The figures of the register turned into the charts of an incident, with their tables: the
/// dashboard's incident page and the register report draw the same ones. Labels come from the
/// caller's words (`labels/LANG.json` of its templates), already in its language.
public enum IncidentCharts {
    /// The words of a page's language, by key; `{name}` placeholders are filled in by ``Words/callAsFunction(_:_:)``.
    public struct Words: Sendable {
        public let words: [String: String]
        public init(_ words: [String: String]) { self.words = words }
        public func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
            var text = words[key] ?? key
            for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
            return text
        }
    }

    /// At most this many people are read to draw reach over time; past it, the chart says so.
    static let reachReadLimit = 200_000
    /// Reach over time is drawn with at most this many points per series.
    static let buckets = 40

    /// A chart as template values: `svg`, `title`, `description`, `columns`, `rows` (each with `cells`).
    public static func view(_ chart: Chart) -> [String: Any] {
        ["svg": chart.svg, "title": chart.title, "description": chart.description, "columns": chart.columns,
         "rows": chart.rows.map { ["cells": $0] }]
    }

    /// Awareness, the deadline, the decisions, each notification, the campaign, bounces, the
    /// window's end and now, on one axis.
    public static func timeline(record: IncidentRecord, clock: IncidentClock, status: StatusJSON.Document, history: [HistoryEntry],
                                notifications: [NotificationRecord], zone: TimeZone, now: Date, idPrefix: String = "",
                                _ word: Words) -> [String: Any] {
        func event(_ date: Date, _ label: String, _ kind: TimelineChart.Kind) -> TimelineChart.Event {
            TimelineChart.Event(date: date, label: label, when: short(date, zone), kind: kind)
        }
        var events = [
            event(record.incident.awareness.instant, word("timeline.awareness"), .milestone),
            event(clock.deadline.due, word("timeline.deadline"), status.clock.state == "overdue" ? .problem : .milestone),
        ]
        for n in notifications {
            guard let at = n.recordedDate else { continue }
            let label = word("timeline.notification", ["authority": n.authorityID, "status": word("notification.\(n.status.rawValue)")])
                + (n.authorityReference.isEmpty ? "" : " (\(n.authorityReference))")
            events.append(event(at, label, n.status == .refused ? .problem : .action))
        }
        // The history's decisions and the campaign: the first and last of each kind, so a long campaign stays readable.
        var seen: [String: (first: HistoryEntry, last: HistoryEntry)] = [:]
        for entry in history where entry.kind.hasPrefix("assessment") || entry.kind.hasPrefix("campaign") || entry.kind.hasPrefix("reach")
            || entry.kind.hasPrefix("bounce") {
            seen[entry.kind] = (seen[entry.kind]?.first ?? entry, entry)
        }
        for (kind, pair) in seen {
            let label = word.words["kind.\(kind)"] ?? kind
            let type: TimelineChart.Kind = kind.hasPrefix("bounce") ? .problem : .action
            for entry in pair.first.sequence == pair.last.sequence ? [pair.first] : [pair.first, pair.last] {
                guard let at = ZonedTime(rfc3339: entry.recordedAt)?.instant else { continue }
                events.append(event(at, label, type))
            }
        }
        if let ends = status.reach?.window_ends.flatMap({ ZonedTime(rfc3339: $0)?.instant }) {
            events.append(event(ends, word("timeline.window"), .milestone))
        }
        events.append(event(now, word("timeline.now"), .now))
        return view(TimelineChart(id: idPrefix + "timeline", title: word("chart.timeline"), events: events,
                                  columns: [word("column.time"), word("column.event")]).chart)
    }

    /// The states a campaign moves people through.
    static let campaignStates: Set<String> = Set([SubjectState.queued, .sending, .submitted, .deferred, .failedPermanent].map(\.rawValue))

    /// The states bar, reach over time and the live counts of the campaign.
    public static func campaign(ws: Workspace, id: String, status: StatusJSON.Document, zone: TimeZone, idPrefix: String = "",
                                _ word: Words) throws -> [String: Any]? {
        guard !status.subjects.isEmpty else { return nil }
        let order = SubjectState.allCases.map(\.rawValue)
        let segments = order.compactMap { state in status.subjects[state].map { StatesBarChart.Segment(label: word("state.\(state)"), count: $0) } }
        let states = StatesBarChart(id: idPrefix + "states", title: word("chart.states"), segments: segments,
                                    columns: [word("column.state"), word("column.people"), word("column.share")]).chart
        var values: [String: Any] = [
            "states": view(states),
            // The states a campaign moves people through are always there (0 too), so that the
            // page's script can follow them live; the others when someone is in them.
            "counts": order.compactMap { state in
                (status.subjects[state] ?? (Self.campaignStates.contains(state) ? 0 : nil)).map { ["state": state, "label": word("state.\(state)"), "count": $0] }
            },
        ]
        if let reach = try reachOverTime(ws: ws, id: id, status: status, zone: zone, idPrefix: idPrefix, word) { values["reach"] = view(reach) }
        return values
    }

    /// People submitted and people unreachable as running counts, from each person's last change,
    /// against the retry window's end and the public-communication thresholds of the configuration.
    public static func reachOverTime(ws: Workspace, id: String, status: StatusJSON.Document, zone: TimeZone, idPrefix: String = "",
                                     _ word: Words) throws -> Chart? {
        guard let reach = status.reach else { return nil }
        var submitted: [Date] = [], unreachable: [Date] = []
        var after: Int64 = 0, read = 0
        while read < reachReadLimit {
            let page = try ws.register.subjects(incidentID: id, after: after, limit: 1000)
            guard let last = page.last else { break }
            for s in page {
                switch s.knownState {
                case .submitted: if let t = ZonedTime(rfc3339: s.updatedAt)?.instant { submitted.append(t) }
                case .failedPermanent: if let t = ZonedTime(rfc3339: s.updatedAt)?.instant { unreachable.append(t) }
                case .noAddress: if let t = ZonedTime(rfc3339: s.importedAt)?.instant { unreachable.append(t) }
                default: break
                }
            }
            read += page.count
            after = last.id
        }
        let all = submitted + unreachable
        guard let first = all.min(), let lastDate = all.max() else { return nil }
        let step = max(1, lastDate.timeIntervalSince(first) / Double(buckets))
        func running(_ dates: [Date]) -> [ReachChart.Point] {
            var counts: [Int: Int] = [:]
            for d in dates { counts[Int(d.timeIntervalSince(first) / step), default: 0] += 1 }
            var total = 0
            return counts.keys.sorted().map { bucket in
                total += counts[bucket] ?? 0
                return ReachChart.Point(date: first + Double(bucket) * step, value: total)
            }
        }
        let policy = ReachReport.policy(ws.configuration.escalation)
        let total = reach.total
        let thresholds = [
            ReachChart.Threshold(label: word("chart.threshold.share", ["share": ReachText.threshold(policy.unreachableShare)]),
                                 value: (policy.unreachableShare * Double(total)).rounded(.down)),
            ReachChart.Threshold(label: word("chart.threshold.count"), value: Double(policy.unreachableCount)),
        ]
        let window = reach.window_ends.flatMap { ZonedTime(rfc3339: $0)?.instant }.map { (date: $0, label: word("timeline.window")) }
        let labels = (word("series.submitted"), word("series.unreachable"))
        return ReachChart(id: idPrefix + "reach", title: word("chart.reach"), total: total,
                          series: [.init(label: labels.0, points: running(submitted)), .init(label: labels.1, points: running(unreachable))],
                          thresholds: thresholds, window: window,
                          columns: [word("column.time"), labels.0, labels.1], outOf: word.words["chart.out_of"] ?? "of", format: { short($0, zone) }).chart
    }

    /// `24/10 10:00`: short, for chart labels, in `zone`.
    public static func short(_ date: Date, _ zone: TimeZone) -> String {
        let t = ZonedTime(instant: date, offsetSeconds: 0).converted(to: zone).description
        return "\(t.dropFirst(8).prefix(2))/\(t.dropFirst(5).prefix(2)) \(t.dropFirst(11).prefix(5))"
    }
}

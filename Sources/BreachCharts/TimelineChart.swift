public import Foundation

/// An incident's timeline: awareness, the 72-hour deadline, each notification, the campaign,
/// bounces, the end of the retry window, now. Each event is a mark on one time axis, placed in
/// proportion to its time, with its label and time written beside it (one line per event, so
/// labels never overlap) and a shape of its kind, so nothing depends on colour.
public struct TimelineChart: Sendable {
    public enum Kind: String, Sendable {
        /// Awareness, the deadline, the window's end: a diamond.
        case milestone
        /// Something breachmail or the DPO did (a notification, a decision, the campaign): a circle.
        case action
        /// Something that went wrong or is late (a bounce, a refusal, an overdue deadline): a square.
        case problem
        /// The time the page was drawn: a dashed line.
        case now
    }

    public struct Event: Sendable, Equatable {
        public let date: Date
        public let label: String
        /// The time as the reader reads it (the incident's time zone), written beside the mark.
        public let when: String
        public let kind: Kind
        public init(date: Date, label: String, when: String, kind: Kind) {
            self.date = date
            self.label = label
            self.when = when
            self.kind = kind
        }
    }

    public let id: String
    public let title: String
    public let events: [Event]
    /// The table's header: time, event.
    public let columns: [String]
    public static let width = 640.0
    static let left = 16.0, right = 16.0, axisY = 24.0, line = 22.0

    public init(id: String, title: String, events: [Event], columns: [String]) {
        self.id = id
        self.title = title
        self.events = events.sorted { $0.date < $1.date }
        self.columns = columns
    }

    /// The x of `date` on the axis: the first event at the left end, the last at the right end.
    public func x(_ date: Date) -> Double {
        guard let first = events.first?.date, let last = events.last?.date, last > first else { return Self.left }
        let span = last.timeIntervalSince(first)
        return Self.left + (Self.width - Self.left - Self.right) * date.timeIntervalSince(first) / span
    }

    public var chart: Chart {
        let rows = events.map { [$0.when, $0.label] }
        let description = "\(title): " + events.map { "\($0.when) \($0.label)" }.joined(separator: "; ")
        let height = Self.axisY + 16 + Self.line * Double(events.count)
        var svg = SVG.open(id: id, width: Self.width, height: height, title: title, description: description)
        svg += "<line class=\"axis\" x1=\"\(SVG.number(Self.left))\" y1=\"\(SVG.number(Self.axisY))\" "
            + "x2=\"\(SVG.number(Self.width - Self.right))\" y2=\"\(SVG.number(Self.axisY))\" stroke=\"#000\" stroke-width=\"2\"/>"
        for (i, event) in events.enumerated() {
            let x = x(event.date)
            let labelY = Self.axisY + 16 + Self.line * Double(i) + 10
            // A thin leader from the mark down to its label's line.
            svg += "<line x1=\"\(SVG.number(x))\" y1=\"\(SVG.number(Self.axisY))\" x2=\"\(SVG.number(x))\" y2=\"\(SVG.number(labelY - 4))\" "
                + "stroke=\"#666\" stroke-width=\"1\"\(event.kind == .now ? " stroke-dasharray=\"4 3\"" : "")/>"
            svg += mark(event, x: x)
            // Labels to the right of the mark, or to its left in the right half (they stay inside).
            let anchor = x > Self.width / 2 ? "end" : "start"
            let textX = anchor == "end" ? x - 6 : x + 6
            svg += "<text class=\"event\" data-label=\"\(SVG.escape(event.label))\" x=\"\(SVG.number(textX))\" y=\"\(SVG.number(labelY))\" "
                + "text-anchor=\"\(anchor)\">\(SVG.escape(event.when)) · \(SVG.escape(event.label))</text>"
        }
        svg += "</svg>"
        return Chart(svg: svg, title: title, description: description, columns: columns, rows: rows)
    }

    private func mark(_ event: Event, x: Double) -> String {
        let y = Self.axisY
        let common = "class=\"mark \(event.kind.rawValue)\" data-label=\"\(SVG.escape(event.label))\""
        switch event.kind {
        case .milestone:
            return "<path \(common) d=\"M\(SVG.number(x)),\(SVG.number(y - 8)) L\(SVG.number(x + 8)),\(SVG.number(y)) "
                + "L\(SVG.number(x)),\(SVG.number(y + 8)) L\(SVG.number(x - 8)),\(SVG.number(y)) Z\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"/>"
        case .action:
            return "<circle \(common) cx=\"\(SVG.number(x))\" cy=\"\(SVG.number(y))\" r=\"6\" fill=\"#1f4e79\" stroke=\"#000\"/>"
        case .problem:
            return "<rect \(common) x=\"\(SVG.number(x - 6))\" y=\"\(SVG.number(y - 6))\" width=\"12\" height=\"12\" fill=\"#7f3f00\" stroke=\"#000\"/>"
        case .now:
            return "<line \(common) x1=\"\(SVG.number(x))\" y1=\"\(SVG.number(y - 12))\" x2=\"\(SVG.number(x))\" y2=\"\(SVG.number(y + 12))\" "
                + "stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>"
        }
    }
}

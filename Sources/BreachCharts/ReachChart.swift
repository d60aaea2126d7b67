public import Foundation

/// Reach over time: for each series (people submitted, people unreachable), the running count
/// as a step line, against the end of the retry window (a vertical line) and the
/// public-communication thresholds (horizontal lines). The y axis runs from 0 to everyone
/// concerned; each series has its own dash pattern and its name written at its end.
public struct ReachChart: Sendable {
    public struct Point: Sendable, Equatable {
        public let date: Date
        public let value: Int
        public init(date: Date, value: Int) {
            self.date = date
            self.value = value
        }
    }

    public struct Series: Sendable, Equatable {
        public let label: String
        /// Running counts, in time order.
        public let points: [Point]
        public init(label: String, points: [Point]) {
            self.label = label
            self.points = points.sorted { $0.date < $1.date }
        }
    }

    /// A horizontal line: a number of people past which something is recommended.
    public struct Threshold: Sendable, Equatable {
        public let label: String
        public let value: Double
        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    public let id: String
    public let title: String
    /// Everyone concerned: the top of the y axis.
    public let total: Int
    public let series: [Series]
    public let thresholds: [Threshold]
    /// The end of the retry window and its label, when known.
    public let window: (date: Date, label: String)?
    /// How the reader reads a time (the incident's time zone), for the labels and the table.
    public let format: @Sendable (Date) -> String
    /// The word between the last counts and the total in the description (`of`, `sur`, `von`).
    public let outOf: String
    /// The table's header: time, then one column per series.
    public let columns: [String]

    public static let width = 640.0, height = 260.0
    static let left = 56.0, right = 150.0, top = 12.0, bottom = 36.0
    static let dashes = ["", "6 3", "2 3", "8 3 2 3"]

    public init(id: String, title: String, total: Int, series: [Series], thresholds: [Threshold], window: (date: Date, label: String)?,
                columns: [String], outOf: String = "of", format: @escaping @Sendable (Date) -> String) {
        self.id = id
        self.title = title
        self.total = total
        self.series = series
        self.thresholds = thresholds
        self.window = window
        self.columns = columns
        self.format = format
        self.outOf = outOf
    }

    var dates: [Date] { series.flatMap { $0.points.map(\.date) } + (window.map { [$0.date] } ?? []) }

    /// The x of `date`: the earliest point at the left of the plot, the latest (or the window's end) at its right.
    public func x(_ date: Date) -> Double {
        let plot = Self.width - Self.left - Self.right
        guard let first = dates.min(), let last = dates.max(), last > first else { return Self.left }
        return Self.left + plot * date.timeIntervalSince(first) / last.timeIntervalSince(first)
    }

    /// The y of `value` people: 0 at the bottom of the plot, ``total`` at its top.
    public func y(_ value: Double) -> Double {
        let plot = Self.height - Self.top - Self.bottom
        guard total > 0 else { return Self.height - Self.bottom }
        return Self.height - Self.bottom - plot * min(value, Double(total)) / Double(total)
    }

    public var chart: Chart {
        let last = series.map { "\($0.label) \($0.points.last?.value ?? 0)" }.joined(separator: ", ")
        let description = "\(title): \(last) \(outOf) \(total)"
            + thresholds.map { "; \($0.label) \(SVG.number($0.value))" }.joined()
            + (window.map { "; \($0.label) \(format($0.date))" } ?? "")
        var svg = SVG.open(id: id, width: Self.width, height: Self.height, title: title, description: description)
        let x0 = Self.left, x1 = Self.width - Self.right, yBottom = y(0), yTop = y(Double(total))
        // Axes, with 0 and the total written on the y axis, the first and last time on the x axis.
        svg += "<path class=\"axis\" d=\"M\(SVG.number(x0)),\(SVG.number(yTop)) L\(SVG.number(x0)),\(SVG.number(yBottom)) "
            + "L\(SVG.number(x1)),\(SVG.number(yBottom))\" fill=\"none\" stroke=\"#000\"/>"
        svg += "<text x=\"\(SVG.number(x0 - 6))\" y=\"\(SVG.number(yBottom + 4))\" text-anchor=\"end\">0</text>"
        svg += "<text x=\"\(SVG.number(x0 - 6))\" y=\"\(SVG.number(yTop + 4))\" text-anchor=\"end\">\(total)</text>"
        if let first = dates.min(), let lastDate = dates.max() {
            svg += "<text x=\"\(SVG.number(x0))\" y=\"\(SVG.number(yBottom + 16))\" text-anchor=\"start\">\(SVG.escape(format(first)))</text>"
            if lastDate > first {
                svg += "<text x=\"\(SVG.number(x1))\" y=\"\(SVG.number(yBottom + 16))\" text-anchor=\"end\">\(SVG.escape(format(lastDate)))</text>"
            }
        }
        for threshold in thresholds where threshold.value <= Double(total) {
            let ty = y(threshold.value)
            svg += "<line class=\"threshold\" data-label=\"\(SVG.escape(threshold.label))\" data-value=\"\(SVG.number(threshold.value))\" "
                + "x1=\"\(SVG.number(x0))\" y1=\"\(SVG.number(ty))\" x2=\"\(SVG.number(x1))\" y2=\"\(SVG.number(ty))\" "
                + "stroke=\"#7f3f00\" stroke-width=\"1.5\" stroke-dasharray=\"1 3\"/>"
                + "<text x=\"\(SVG.number(x1 + 4))\" y=\"\(SVG.number(ty + 4))\">\(SVG.escape(threshold.label)) \(SVG.number(threshold.value))</text>"
        }
        if let window {
            let wx = x(window.date)
            svg += "<line class=\"window\" data-label=\"\(SVG.escape(window.label))\" x1=\"\(SVG.number(wx))\" y1=\"\(SVG.number(yTop))\" "
                + "x2=\"\(SVG.number(wx))\" y2=\"\(SVG.number(yBottom))\" stroke=\"#000\" stroke-dasharray=\"5 4\"/>"
                + "<text x=\"\(SVG.number(wx - 4))\" y=\"\(SVG.number(yTop + 12))\" text-anchor=\"end\">\(SVG.escape(window.label))</text>"
        }
        for (i, s) in series.enumerated() where !s.points.isEmpty {
            var d = "M\(SVG.number(x(s.points[0].date))),\(SVG.number(yBottom))"
            for p in s.points {
                d += " L\(SVG.number(x(p.date))),\(SVG.number(y(Double(p.value))))"
            }
            let dash = Self.dashes[i % Self.dashes.count]
            svg += "<path class=\"series\" data-label=\"\(SVG.escape(s.label))\" d=\"\(d)\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\""
                + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>"
            for p in s.points {
                svg += "<circle class=\"point\" data-label=\"\(SVG.escape(s.label))\" data-value=\"\(p.value)\" "
                    + "cx=\"\(SVG.number(x(p.date)))\" cy=\"\(SVG.number(y(Double(p.value))))\" r=\"2.5\" fill=\"#000\"/>"
            }
            let end = s.points[s.points.count - 1]
            svg += "<text class=\"series-label\" x=\"\(SVG.number(x1 + 4))\" y=\"\(SVG.number(y(Double(end.value)) - 4 - 12 * Double(i)))\">"
                + "\(SVG.escape(s.label)) \(end.value)</text>"
        }
        svg += "</svg>"
        // The table: every time at which a series changes, with each series' running count then.
        let times = Array(Set(series.flatMap { $0.points.map(\.date) })).sorted()
        let rows = times.map { t in
            [format(t)] + series.map { s in String(s.points.last(where: { $0.date <= t })?.value ?? 0) }
        }
        return Chart(svg: svg, title: title, description: description, columns: columns, rows: rows)
    }
}

/// The people of a campaign by state, as one stacked bar: each segment's width is its share of
/// everyone, filled with its own pattern, named in a legend with its count.
///
/// ```swift
/// let chart = StatesBarChart(id: "states", title: "People by state", segments: [
///     .init(label: "submitted", count: 90), .init(label: "no address", count: 10)],
///     columns: ["State", "People", "Share"]).chart
/// ```
public struct StatesBarChart: Sendable {
    public struct Segment: Sendable, Equatable {
        public let label: String
        public let count: Int
        public init(label: String, count: Int) {
            self.label = label
            self.count = count
        }
    }

    public let id: String
    public let title: String
    public let segments: [Segment]
    /// The table's header: state, people, share.
    public let columns: [String]
    public static let width = 640.0
    static let barTop = 8.0, barHeight = 36.0, legendLine = 20.0

    public init(id: String, title: String, segments: [Segment], columns: [String]) {
        self.id = id
        self.title = title
        self.segments = segments
        self.columns = columns
    }

    public var chart: Chart {
        let total = segments.reduce(0) { $0 + max(0, $1.count) }
        let shown = segments.filter { $0.count > 0 }
        let rows = segments.map { [$0.label, String($0.count), Self.share($0.count, total)] }
        let description = "\(title): " + (total == 0 ? "0" : shown.map { "\($0.label) \($0.count) (\(Self.share($0.count, total)))" }
            .joined(separator: ", "))
        let height = Self.barTop + Self.barHeight + 12 + Self.legendLine * Double(max(1, shown.count))
        var svg = SVG.open(id: id, width: Self.width, height: height, title: title, description: description)
        svg += SVG.patterns(id: id, count: shown.count)
        svg += "<rect x=\"0\" y=\"\(SVG.number(Self.barTop))\" width=\"\(SVG.number(Self.width))\" height=\"\(SVG.number(Self.barHeight))\" "
            + "fill=\"none\" stroke=\"#000\"/>"
        var x = 0.0
        for (i, segment) in shown.enumerated() {
            let w = Self.width * Double(segment.count) / Double(total)
            svg += "<rect class=\"segment\" data-label=\"\(SVG.escape(segment.label))\" data-value=\"\(segment.count)\" "
                + "x=\"\(SVG.number(x))\" y=\"\(SVG.number(Self.barTop))\" width=\"\(SVG.number(w))\" height=\"\(SVG.number(Self.barHeight))\" "
                + "fill=\"url(#\(SVG.escape(id))-p\(i))\" stroke=\"#000\"><title>\(SVG.escape(segment.label)): \(segment.count)</title></rect>"
            // The number inside the segment when it fits; the legend always has it.
            if w >= 40 {
                svg += "<text x=\"\(SVG.number(x + w / 2))\" y=\"\(SVG.number(Self.barTop + Self.barHeight / 2 + 5))\" text-anchor=\"middle\" "
                    + "class=\"on-fill\">\(segment.count)</text>"
            }
            x += w
        }
        var y = Self.barTop + Self.barHeight + 12
        for (i, segment) in shown.enumerated() {
            svg += "<rect x=\"0\" y=\"\(SVG.number(y))\" width=\"14\" height=\"14\" fill=\"url(#\(SVG.escape(id))-p\(i))\" stroke=\"#000\"/>"
                + "<text class=\"legend\" x=\"22\" y=\"\(SVG.number(y + 12))\">\(SVG.escape(segment.label)): \(segment.count) "
                + "(\(Self.share(segment.count, total)))</text>"
            y += Self.legendLine
        }
        if shown.isEmpty {
            svg += "<text class=\"legend\" x=\"0\" y=\"\(SVG.number(y + 12))\">0</text>"
        }
        svg += "</svg>"
        return Chart(svg: svg, title: title, description: description, columns: columns, rows: rows)
    }

    /// `12.5 %`: one decimal, none when whole.
    static func share(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "0 %" }
        return "\(SVG.number(Double(part) * 100 / Double(whole))) %"
    }
}

import BreachCharts
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The SVG of each chart parsed as XML (Foundation's XMLParser): well-formed, labelled, and each
/// figure placed in proportion to its value.
@Suite struct ChartTests {
    /// Every element with its attributes, in document order, and the text of the document.
    final class Elements: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text = ""
        var error: (any Error)?

        init(_ svg: String) throws {
            super.init()
            let parser = XMLParser(data: Data(svg.utf8))
            parser.delegate = self
            let ok = parser.parse()
            if let error = parser.parserError ?? error { throw error }
            try #require(ok, "the SVG is not well-formed XML")
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append((name, attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { error = parseError }

        func all(_ name: String, class className: String? = nil) -> [[String: String]] {
            elements.filter { $0.name == name && (className == nil || $0.attributes["class"]?.split(separator: " ").contains(Substring(className!)) == true) }
                .map(\.attributes)
        }
    }

    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theStatesBarIsProportionalLabelledAndWellFormed() throws {
        let chart = StatesBarChart(id: "states", title: "People by state <all>", segments: [
            .init(label: "submitted", count: 300), .init(label: "no address & co", count: 100), .init(label: "deferred", count: 0),
            .init(label: "failed", count: 100),
        ], columns: ["State", "People", "Share"]).chart
        let xml = try Elements(chart.svg)
        let root = try #require(xml.elements.first)
        #expect(root.name == "svg" && root.attributes["role"] == "img")
        #expect(xml.text.contains("People by state <all>"))
        let segments = xml.all("rect", class: "segment")
        // A segment of no one is not drawn; it stays in the table.
        #expect(segments.map { $0["data-label"] } == ["submitted", "no address & co", "failed"])
        let widths = try segments.map { try #require(Double($0["width"] ?? "")) }
        #expect(widths == [384, 128, 128])
        let xs = try segments.map { try #require(Double($0["x"] ?? "")) }
        #expect(xs == [0, 384, 512])
        // Each segment has its own pattern, and the legend names it with its count and share.
        #expect(Set(segments.compactMap { $0["fill"] }).count == 3)
        #expect(xml.text.contains("submitted: 300 (60 %)"))
        #expect(xml.text.contains("no address & co: 100 (20 %)"))
        #expect(chart.rows == [["submitted", "300", "60 %"], ["no address & co", "100", "20 %"], ["deferred", "0", "0 %"], ["failed", "100", "20 %"]])
        #expect(chart.description == "People by state <all>: submitted 300 (60 %), no address & co 100 (20 %), failed 100 (20 %)")
    }

    @Test func anEmptyStatesBarIsStillAChart() throws {
        let chart = StatesBarChart(id: "s", title: "People", segments: [], columns: ["a", "b", "c"]).chart
        let xml = try Elements(chart.svg)
        #expect(xml.all("rect", class: "segment").isEmpty)
        #expect(chart.rows.isEmpty)
    }

    @Test func theTimelinePlacesEventsInProportionToTheirTime() throws {
        let events = [
            TimelineChart.Event(date: t0, label: "awareness", when: "24/10 10:00", kind: .milestone),
            TimelineChart.Event(date: t0 + 72 * 3600, label: "deadline (72 h)", when: "27/10 10:00", kind: .milestone),
            TimelineChart.Event(date: t0 + 18 * 3600, label: "CNPD notified", when: "25/10 04:00", kind: .action),
            TimelineChart.Event(date: t0 + 36 * 3600, label: "bounce", when: "25/10 22:00", kind: .problem),
        ]
        let chart = TimelineChart(id: "timeline", title: "Timeline", events: events, columns: ["Time", "Event"]).chart
        let xml = try Elements(chart.svg)
        let marks = xml.elements.filter { $0.attributes["class"]?.hasPrefix("mark") == true }
        #expect(marks.map { $0.attributes["data-label"] } == ["awareness", "CNPD notified", "bounce", "deadline (72 h)"])
        // Shapes by kind: diamonds (paths), a circle, a square.
        #expect(marks.map(\.name) == ["path", "circle", "rect", "path"])
        let circle = try #require(xml.all("circle", class: "mark").first)
        // 16 + 608 × 18/72 = 168.
        #expect(circle["cx"] == "168")
        let square = try #require(xml.all("rect", class: "mark").first)
        #expect(square["x"] == "314")  // 16 + 608 × 36/72 − 6
        #expect(xml.text.contains("25/10 04:00 · CNPD notified"))
        #expect(chart.rows.first == ["24/10 10:00", "awareness"])
        #expect(chart.rows.count == 4)
    }

    @Test func reachOverTimeIsScaledToEveryoneAndShowsTheWindowAndThresholds() throws {
        let submitted = ReachChart.Series(label: "submitted", points: [
            .init(date: t0, value: 0), .init(date: t0 + 3600, value: 600), .init(date: t0 + 7200, value: 900)])
        let unreachable = ReachChart.Series(label: "unreachable", points: [.init(date: t0 + 3600, value: 50), .init(date: t0 + 7200, value: 100)])
        let chart = ReachChart(id: "reach", title: "Reach", total: 1000, series: [submitted, unreachable],
                               thresholds: [.init(label: "5 %", value: 50), .init(label: "2000 people", value: 2000)],
                               window: (t0 + 4 * 3600, "window ends"), columns: ["Time", "submitted", "unreachable"],
                               format: { "t+\(Int($0.timeIntervalSince(Date(timeIntervalSince1970: 1_800_000_000)) / 3600)) h" }).chart
        let xml = try Elements(chart.svg)
        // Plot: x from 56 to 490 over 4 hours; y from 224 (0) to 12 (1000).
        let points = xml.all("circle", class: "point").filter { $0["data-label"] == "submitted" }
        #expect(points.map { $0["cx"] } == ["56", "164.5", "273"])
        #expect(points.map { $0["cy"] } == ["224", "96.8", "33.2"])
        let window = try #require(xml.all("line", class: "window").first)
        #expect(window["x1"] == "490")
        // A threshold above everyone is not drawn (it cannot be reached); the one within is, at its height.
        let thresholds = xml.all("line", class: "threshold")
        #expect(thresholds.map { $0["data-label"] } == ["5 %"])
        #expect(thresholds.first?["y1"] == "213.4")
        #expect(xml.text.contains("submitted 900") && xml.text.contains("unreachable 100"))
        #expect(chart.rows == [["t+0 h", "0", "0"], ["t+1 h", "600", "50"], ["t+2 h", "900", "100"]])
        #expect(Set(xml.all("path", class: "series").map { $0["stroke-dasharray"] ?? "solid" }).count == 2)
    }

    @Test func labelsAreEscaped() throws {
        let chart = StatesBarChart(id: "x\"y", title: "<script>alert(1)</script>", segments: [.init(label: "a\"<b>", count: 1)],
                                   columns: ["a", "b", "c"]).chart
        #expect(!chart.svg.contains("<script>"))
        let xml = try Elements(chart.svg)
        #expect(xml.all("rect", class: "segment").first?["data-label"] == "a\"<b>")
    }
}

internal import Synchronization

/// A skeleton with the values of one person.
struct FilledSkeleton {
    let skeleton: SubjectSkeleton
    let values: SlotValues
}

extension PreparedComposition {
    /// The skeleton `values` fit, filled in with them; or why this person's message is rendered.
    func skeletonPlan(_ values: SubjectValues) -> Result<FilledSkeleton, SkeletonRefusal> {
        if let obstacle = skeletons.obstacle { return .failure(obstacle) }
        let names = template.subjectNames
        let raw = names.map(values.value(of:))
        var present: UInt64 = 0
        for (slot, value) in raw.enumerated() {
            guard let value else { continue }
            guard SubjectSkeleton.accepts(value) else { return .failure(.value(names[slot])) }
            present |= 1 << UInt64(slot)
        }
        return skeletons.skeleton(present) { makeSkeleton(present) }.map { FilledSkeleton(skeleton: $0, values: SlotValues(raw)) }
    }

    /// Renders the templates with a marker for each present value, and reads the skeleton.
    private func makeSkeleton(_ present: UInt64) -> Result<SubjectSkeleton, SkeletonRefusal> {
        var markers = SubjectValues()
        for (slot, name) in template.subjectNames.enumerated() where present & (1 << UInt64(slot)) != 0 {
            markers.set(SubjectSkeleton.marker(slot), for: name)
        }
        var root = base
        root["subject"] = markers.object
        let output = render(root)
        do {
            let rendered = try finish(output)
            return .success(try SubjectSkeleton(output: output, rendered: rendered, slots: template.subjectNames.count))
        } catch let refusal as SkeletonRefusal {
            return .failure(refusal)
        } catch {
            // The rendering refuses this combination (empty message, line break in the subject
            // line): rendering each message gives the same error.
            return .failure(.skeleton("the templates give an error for it"))
        }
    }

    /// Why `subject`'s message is rendered rather than composed from a skeleton; nil when it is
    /// composed from a skeleton. (Asks what ``message(subject:from:to:replyTo:builder:using:)`` does.)
    package func skeletonRefusal(for subject: SubjectFields) -> SkeletonRefusal? {
        guard context.kind == .subject else { return .template("only subject messages have skeletons") }
        if case .failure(let refusal) = skeletonPlan(SubjectValues(subject)) { return refusal }
        return nil
    }

    /// How many subject messages took the skeleton's way and how many were rendered, those that
    /// failed on their address included.
    package var compositionCounts: (fromSkeleton: Int, rendered: Int) { skeletons.counts }
}

/// The skeletons of one prepared composition, one per combination of present values, made on
/// first use and shared by every thread.
final class SkeletonCache: Sendable {
    /// What keeps every message of the composition from a skeleton.
    let obstacle: SkeletonRefusal?
    private let state = Mutex(State())

    private struct State {
        var skeletons: [UInt64: Result<SubjectSkeleton, SkeletonRefusal>] = [:]
        var fromSkeleton = 0
        var rendered = 0
        /// The headers of the last message but its `To`: the same for the next, in a campaign.
        var common: CommonHeaders?
    }

    init(template: LoadedTemplate, base: [String: Any]) {
        if let why = template.skeletonObstacle {
            obstacle = .template(why)
        } else if Self.holdsMarker(base) {
            obstacle = .template("the incident or controller data hold a character of the private-use area that marks values in a skeleton")
        } else {
            obstacle = nil
        }
    }

    /// The skeleton of the combination `present`, made with `make` the first time.
    func skeleton(_ present: UInt64, make: () -> Result<SubjectSkeleton, SkeletonRefusal>)
        -> Result<SubjectSkeleton, SkeletonRefusal> {
        if let known = state.withLock({ $0.skeletons[present] }) { return known }
        // Made outside the lock: two threads may both make it, and the first one kept wins.
        let made = make()
        return state.withLock { state in
            if let known = state.skeletons[present] { return known }
            state.skeletons[present] = made
            return made
        }
    }

    /// Date, From, Reply-To and Subject for `headers`: those of the last message when they match.
    func commonHeaders(_ headers: MessageHeaders) -> CommonHeaders {
        if let known = state.withLock({ $0.common }), known.matches(headers) { return known }
        let made = CommonHeaders(headers)
        state.withLock { $0.common = made }
        return made
    }

    func count(fromSkeleton: Bool) {
        state.withLock { fromSkeleton ? ($0.fromSkeleton += 1) : ($0.rendered += 1) }
    }

    var counts: (fromSkeleton: Int, rendered: Int) { state.withLock { ($0.fromSkeleton, $0.rendered) } }

    private static func holdsMarker(_ value: Any) -> Bool {
        switch value {
        case let text as String: return text.unicodeScalars.contains(where: SubjectSkeleton.isMarker)
        case let object as [String: Any]: return object.values.contains(where: holdsMarker)
        case let list as [Any]: return list.contains(where: holdsMarker)
        default: return false
        }
    }
}

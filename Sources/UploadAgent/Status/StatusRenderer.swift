/// The human form of the status document, for `file-upload-agent status`: a summary
/// and a table of uploads, with a progress bar for each running one.
public enum StatusRenderer {
    public static func render(_ document: JSONValue, now: Double) -> String {
        var lines: [String] = []
        let agent = document["agent"]
        let mqtt = document["mqtt"]
        lines.append("file-upload-agent \(agent?["version"]?.stringValue ?? "?") (pid \(number(agent?["pid"])), "
                     + "started \(agent?["startedAt"]?.stringValue ?? "?"), updated \(agent?["updatedAt"]?.stringValue ?? "?"))")
        let connected = mqtt?["connected"]?.boolValue == true
        var broker = "MQTT:    \(mqtt?["broker"]?.stringValue ?? "?") \(connected ? "connected" : "DISCONNECTED")"
        broker += ", \(number(mqtt?["reconnects"])) reconnects"
        if let error = mqtt?["lastError"]?.stringValue { broker += ", last error: \(error)" }
        lines.append(broker)
        if let thing = document["thing"], let id = thing["deviceId"]?.stringValue {
            lines.append("Thing:   \(id) (tenant '\(thing["tenantId"]?.stringValue ?? "")')")
        } else {
            lines.append("Thing:   unknown (waiting for the edge agent)")
        }
        if let feature = document["feature"] {
            var text = "Feature: \(feature["id"]?.stringValue ?? "?"), periodic uploads "
            if feature["active"]?.boolValue == true {
                text += "ACTIVE every \(feature["period"]?.stringValue ?? "?")"
                text += " from \(feature["startTime"]?.stringValue ?? "now") till \(feature["endTime"]?.stringValue ?? "forever")"
                if let next = feature["nextRunAt"]?.stringValue { text += ", next run \(next)" }
            } else {
                text += "inactive"
            }
            lines.append(text)
        }
        if let link = document["link"], link.objectValue != nil { lines.append(describeLink(link)) }
        lines.append("")
        let running = document["uploads"]?.arrayValue ?? []
        let recent = document["recent"]?.arrayValue ?? []
        lines.append(running.isEmpty ? "No uploads running." : "Running uploads:")
        for upload in running { lines += describe(upload, withBar: true) }
        if !recent.isEmpty {
            lines.append("")
            lines.append("Recent uploads (newest first):")
            for upload in recent { lines += describe(upload, withBar: false) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func describe(_ upload: JSONValue, withBar: Bool) -> [String] {
        let id = upload["correlationId"]?.stringValue ?? "?"
        let state = upload["state"]?.stringValue ?? "?"
        let progress = wholeNumber(upload["progress"]) ?? 0
        var head = "  \(pad(id, 28)) \(pad(state, 9))"
        head += withBar ? " \(bar(progress)) \(progress)%" : " \(upload["endTime"]?.stringValue ?? "")"
        if let message = upload["message"]?.stringValue, !message.isEmpty { head += "  \(message)" }
        var lines = [head]
        let shown = upload["files"]?.arrayValue?.count ?? 0
        if let count = wholeNumber(upload["fileCount"]), count > shown, let states = upload["fileStates"]?.objectValue {
            // A large upload lists only its files in flight; the counts tell the rest.
            let counts = states.sorted { $0.key < $1.key }.compactMap { state, value in
                wholeNumber(value).map { "\($0) \(state)" }
            }
            lines.append("    \(count) files: \(counts.joined(separator: ", "))" + (shown > 0 ? "; in flight:" : ""))
        }
        if case .array(let files)? = upload["files"] {
            for file in files {
                let size = file["size"]?.numberValue ?? 0
                let done = file["transferred"]?.numberValue ?? 0
                var text = "    \(pad(file["correlationId"]?.stringValue ?? "?", 26)) \(pad(file["state"]?.stringValue ?? "?", 9))"
                text += " \(bytes(done))/\(bytes(size))"
                if let provider = file["provider"]?.stringValue { text += " via \(provider)" }
                let attempts = wholeNumber(file["attempts"]) ?? 0
                if attempts > 1 { text += ", attempt \(attempts)" }
                text += "  \(file["path"]?.stringValue ?? "")"
                lines.append(text)
            }
        }
        return lines
    }

    /// "Link:    1.9 MiB/s now, next change 2026-…Z; data budget 3.8 MiB of 4 MiB per 20s spent, period ends …"
    static func describeLink(_ link: JSONValue) -> String {
        var text = "Link:    "
        switch link["rateInForce"] {
        case .number(let rate)?: text += "\(bytes(rate))/s now"
        case .string(let word)?: text += word + " now"
        default: text += "? now"
        }
        if let next = link["nextChangeAt"]?.stringValue { text += ", next change \(next)" }
        if let budget = link["dataBudget"] {
            text += "; data budget \(bytes(budget["spent"]?.numberValue ?? 0)) of \(bytes(budget["limit"]?.numberValue ?? 0))"
            text += " per \(budget["period"]?.stringValue ?? "?") spent, period ends \(budget["periodEnd"]?.stringValue ?? "?")"
        }
        if let reason = link["holdReason"]?.stringValue {
            text += "; PAUSED: \(reason)" + (link["heldUntil"]?.stringValue.map { " until \($0)" } ?? "")
        }
        return text
    }

    static func bar(_ percent: Int, width: Int = 20) -> String {
        let filled = max(0, min(width, percent * width / 100))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = value.isFinite ? value : 0
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(amount)) B" : "\((amount * 10).rounded() / 10) \(units[unit])"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func number(_ value: JSONValue?) -> String {
        wholeNumber(value).map(String.init) ?? "?"
    }

    /// A number from the document as an Int, or nil when it is absent or out of range
    /// (the file may have been edited or corrupted: showing it must never trap).
    static func wholeNumber(_ value: JSONValue?) -> Int? {
        guard let number = value?.numberValue, number.isFinite, abs(number) < 1e15 else { return nil }
        return Int(number)
    }
}

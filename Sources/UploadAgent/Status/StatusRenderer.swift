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
        if let counts = fileCounts(upload) { lines.append(counts) }
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

    /// `    10000 files: 5003 SUCCESS, 4 UPLOADING, 4993 PENDING` for an upload of several
    /// files: a large one lists only its files in flight, so the counts say the rest.
    static func fileCounts(_ upload: JSONValue) -> String? {
        guard let total = wholeNumber(upload["fileCount"]), total > 1,
              let states = upload["fileStates"]?.objectValue else { return nil }
        let counts = UploadState.allCases.compactMap { state in
            wholeNumber(states[state.rawValue]).map { "\($0) \(state.rawValue)" }
        }
        return "    \(total) files: " + counts.joined(separator: ", ")
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
